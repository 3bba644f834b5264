#include <errno.h>

#include "client/os/connect_probe.h"
#include "core/net/sys.h"
#include "core/net/winsock.h"

namespace percore::client {

int connect_within(int fd, const net::Address& addr, int64_t timeout_ns) {
  SOCKET s = net::to_socket(fd);
  u_long nonblocking = 1;
  ioctlsocket(s, FIONBIO, &nonblocking);
  if (::connect(s, addr.sa(), addr.len) == 0) return 0;
  int wsa = WSAGetLastError();
  if (wsa != WSAEWOULDBLOCK) return io::errno_from_wsa(wsa);
  WSAPOLLFD p{s, POLLOUT, 0};
  int n = WSAPoll(&p, 1, static_cast<int>(timeout_ns / 1'000'000));
  if (n == 0) return ETIMEDOUT;
  int so_error = 0;
  int len = sizeof(so_error);
  if (getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&so_error), &len) != 0) {
    so_error = WSAGetLastError();
  }
  return so_error == 0 ? 0 : io::errno_from_wsa(so_error);
}

}  // namespace percore::client
