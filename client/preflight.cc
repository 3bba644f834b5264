// The pre-run reachability check.
#include "client/preflight.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "client/run_stats.h"
#include "core/net/socket.h"

namespace percore::client {

int preflight_connect(const net::Address& addr, int64_t timeout_ns, std::string* error) {
  int fd = net::stream_socket(addr);
  int err = 0;
  if (fd < 0) {
    err = -fd;
  } else if (::connect(fd, addr.sa(), addr.len) < 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n = poll(&p, 1, static_cast<int>(timeout_ns / 1'000'000));
      if (n == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      }
    }
  }
  if (fd >= 0) ::close(fd);
  if (err == 0) return 0;
  *error = fmt::format("cannot connect to {}: {} ({})", addr.to_string(), strerror(err),
                       errno_name(err));
  return -err;
}

}  // namespace percore::client
