#include "client/run/fd_budget.h"

#include <fmt/format.h>

#include "core/proc/limits.h"

namespace percore::client {

uint64_t fds_needed(int connections, int threads) {
  return static_cast<uint64_t>(connections) + kFdReserve +
         kFdsPerThread * static_cast<uint64_t>(threads > 0 ? threads : 1);
}

bool check_fd_budget(int connections, int threads, std::string* error) {
  uint64_t limit = proc::raise_fd_limit();
  uint64_t needed = fds_needed(connections, threads);
  if (limit == 0 || needed <= limit) return true;
  uint64_t fit = limit > needed - static_cast<uint64_t>(connections)
                     ? limit - (needed - static_cast<uint64_t>(connections))
                     : 0;
  *error = fmt::format(
      "-c {} needs about {} file descriptors but this process may open {} (the hard limit): use "
      "-c {} or less, or raise the limit (ulimit -Hn, LimitNOFILE, /etc/security/limits.conf)",
      connections, needed, limit, fit);
  return false;
}

}  // namespace percore::client
