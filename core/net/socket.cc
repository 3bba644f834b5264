#include "core/net/socket.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <unistd.h>

namespace percore::net {

namespace {

int bind_listener(const Address& addr, int listen_backlog, bool reuseport) {
  int fd = socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if ((reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
      (addr.family() == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
      bind(fd, addr.sa(), addr.len) < 0 || (listen_backlog > 0 && listen(fd, listen_backlog) < 0)) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

}  // namespace

int bind_reuseport(const Address& addr, int listen_backlog) {
  return bind_listener(addr, listen_backlog, true);
}

int bind_exclusive(const Address& addr, int listen_backlog) {
  return bind_listener(addr, listen_backlog, false);
}

int set_incoming_cpu(int fd, int cpu) {
  return setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, sizeof(cpu)) < 0 ? -errno : 0;
}

int stream_socket(const Address& addr) {
  int fd = socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

int set_nodelay(int fd) {
  int one = 1;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ? -errno : 0;
}

}  // namespace percore::net
