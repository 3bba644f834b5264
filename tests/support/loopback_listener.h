// A TCP listener on 127.0.0.1, set up one way for the test servers (tests/support/) and the
// benchmarks' reference servers (tests/bench/, which include it by relative path and link
// nothing): header-only, plain sockets.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace percore::test {

// Listens on 127.0.0.1:port (0: the kernel picks) with SO_REUSEADDR; `type_flags` adds
// SOCK_NONBLOCK / SOCK_CLOEXEC. Returns the listener and sets *bound_port (optional), or -1.
inline int listen_loopback_tcp(int port, int backlog, int type_flags, int* bound_port = nullptr) {
  int fd = socket(AF_INET, SOCK_STREAM | type_flags, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  if (bound_port != nullptr) *bound_port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace percore::test
