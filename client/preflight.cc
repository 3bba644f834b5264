// The pre-run reachability check.
#include "client/preflight.h"

#include <fmt/format.h>

#include "client/connect_probe.h"
#include "client/errno_name.h"
#include "client/fd_budget.h"
#include "core/net/socket.h"
#include "core/net/sys.h"

namespace percore::client {

int preflight_connect(const net::Address& addr, int64_t timeout_ns, std::string* error) {
  int fd = net::stream_socket(addr);
  int err = fd < 0 ? -fd : connect_within(fd, addr, timeout_ns);
  if (fd >= 0) net::close_socket(fd);
  if (err == 0) return 0;
  *error = fmt::format("cannot connect to {}: {}", addr.to_string(), errno_text(err));
  return -err;
}

bool connection_preflight(const Options& o, std::string* message) {
  return check_fd_budget(o.connections, o.threads, message) &&
         preflight_connect(o.url.address, o.timeout_ns, message) >= 0;
}

}  // namespace percore::client
