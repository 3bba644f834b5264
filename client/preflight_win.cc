// Windows: the pre-run reachability check (client/preflight.cc on Linux), with Winsock's
// non-blocking connect and WSAPoll.
#include <errno.h>

#include <fmt/format.h>

#include "client/preflight.h"
#include "client/run_stats.h"
#include "core/io/iocp_backend.h"
#include "core/net/socket.h"
#include "core/net/sys.h"

namespace percore::client {

int preflight_connect(const net::Address& addr, int64_t timeout_ns, std::string* error) {
  int fd = net::stream_socket(addr);
  int err = 0;
  if (fd < 0) {
    err = -fd;
  } else {
    SOCKET s = net::to_socket(fd);
    u_long nonblocking = 1;
    ioctlsocket(s, FIONBIO, &nonblocking);
    if (::connect(s, addr.sa(), addr.len) != 0) {
      int wsa = WSAGetLastError();
      if (wsa == WSAEWOULDBLOCK) {
        WSAPOLLFD p{s, POLLOUT, 0};
        int n = WSAPoll(&p, 1, static_cast<int>(timeout_ns / 1'000'000));
        if (n == 0) {
          err = ETIMEDOUT;
        } else {
          int so_error = 0;
          int len = sizeof(so_error);
          if (getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&so_error), &len) != 0) {
            so_error = WSAGetLastError();
          }
          err = so_error == 0 ? 0 : io::errno_from_wsa(so_error);
        }
      } else {
        err = io::errno_from_wsa(wsa);
      }
    }
    net::close_socket(fd);
  }
  if (err == 0) return 0;
  // The C runtime's strerror has no text for the socket errno values, so the name is the text.
  *error = fmt::format("cannot connect to {}: {}", addr.to_string(), errno_name(err));
  return -err;
}

}  // namespace percore::client
