#include "client/udp_socket.h"

#include <sys/socket.h>

#include <cerrno>

namespace percore::client {

int open_udp_socket(const net::Address& target) {
  int fd = ::socket(target.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

int connect_udp_socket(int fd, const net::Address& target) {
  return ::connect(fd, target.sa(), target.len) < 0 ? -errno : 0;
}

}  // namespace percore::client
