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

bool address_taken(const Address& addr, bool udp) {
  int fd = socket(addr.family(), (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;  // the real bind that follows reports what is wrong
  int one = 1;
  if (!udp) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  bool taken = bind(fd, addr.sa(), addr.len) < 0 && errno == EADDRINUSE;
  close(fd);
  return taken;
}

int set_incoming_cpu(int fd, int cpu) {
  return setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, sizeof(cpu)) < 0 ? -errno : 0;
}

int stream_socket(const Address& addr) {
  int fd = socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

int bind_udp_reuseport(const Address& addr) {
  int fd = socket(addr.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
      (addr.family() == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
      bind(fd, addr.sa(), addr.len) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

int bind_udp(const Address& addr) {
  int fd = socket(addr.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (bind(fd, addr.sa(), addr.len) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

namespace {

int set_buffer(int fd, int force_opt, int opt, int bytes) {
  if (bytes <= 0) return 0;
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof(bytes)) == 0) return 0;
  return setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes)) < 0 ? -errno : 0;
}

}  // namespace

int set_udp_buffers(int fd, int rcvbuf, int sndbuf) {
  if (int rc = set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf); rc < 0) return rc;
  return set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, sndbuf);
}

int set_linger_reset(int fd) {
  linger lg{1, 0};
  return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0 ? -errno : 0;
}

int set_nodelay(int fd) {
  int one = 1;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ? -errno : 0;
}

}  // namespace percore::net
