#include "client/udp/udp_socket.h"

#include "core/net/sys.h"
#include "core/net/winsock.h"

namespace percore::client {

int open_udp_socket(const net::Address& target) {
  SOCKET s = WSASocketW(target.family(), SOCK_DGRAM, IPPROTO_UDP, nullptr, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return -io::errno_from_wsa(WSAGetLastError());
  return net::from_socket(s);
}

int connect_udp_socket(int fd, const net::Address& target) {
  if (::connect(net::to_socket(fd), target.sa(), target.len) != 0) {
    return -io::errno_from_wsa(WSAGetLastError());
  }
  return 0;
}

// Not probed on Windows: a refused target shows in the run's errors instead.
int probe_udp_target(const net::Address&, const char*, size_t, int64_t) {
  return 0;
}

}  // namespace percore::client
