#include "client/os/connect_probe.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

namespace percore::client {

int connect_within(int fd, const net::Address& addr, int64_t timeout_ns) {
  if (::connect(fd, addr.sa(), addr.len) == 0) return 0;
  int err = errno;
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
  return err;
}

}  // namespace percore::client
