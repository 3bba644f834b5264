#include "client/udp/udp_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace percore::client {

int open_udp_socket(const net::Address& target) {
  int fd = ::socket(target.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

int connect_udp_socket(int fd, const net::Address& target) {
  return ::connect(fd, target.sa(), target.len) < 0 ? -errno : 0;
}

int probe_udp_target(const net::Address& target, const char* data, size_t len, int64_t wait_ns) {
  int fd = open_udp_socket(target);
  if (fd < 0) return -fd;
  int err = -connect_udp_socket(fd, target);
  if (err == 0 && ::send(fd, data, len, 0) < 0) err = errno;
  if (err == 0) {
    pollfd p{fd, POLLIN, 0};
    // The ICMP error of a connected socket shows as POLLERR and is read back by recv().
    if (::poll(&p, 1, static_cast<int>(wait_ns / 1'000'000)) > 0) {
      char buf[64];
      if (::recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno != EAGAIN) err = errno;
    }
  }
  ::close(fd);
  return err;
}

}  // namespace percore::client
