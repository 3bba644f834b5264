// Windows: there is no per-process descriptor limit like RLIMIT_NOFILE to raise (sockets are
// kernel handles, bounded by memory), so the limit is reported as unknown (0), which callers
// treat as "no limit to check against".
#include "core/proc/limits.h"

namespace percore::proc {

uint64_t raise_fd_limit() {
  return 0;
}

}  // namespace percore::proc
