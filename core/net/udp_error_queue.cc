#include "core/net/udp_error_queue.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include <cstring>

namespace percore::net {

int enable_udp_error_queue(int fd, int family) {
  int on = 1;
  if (family == AF_INET6) {
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on)) < 0) return -errno;
    // Best effort: a v6-only socket never sees IPv4 errors anyway.
    (void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
    return 0;
  }
  return setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)) < 0 ? -errno : 0;
}

int read_udp_error(int fd, UdpError* out) {
  // The payload (the original datagram) is of no interest: a one-byte buffer, MSG_TRUNC.
  char byte;
  iovec iov{&byte, sizeof(byte)};
  // One sock_extended_err and its offender address, with room to spare for a timestamp.
  alignas(cmsghdr) char
      control[CMSG_SPACE(sizeof(sock_extended_err) + sizeof(sockaddr_in6)) + CMSG_SPACE(64)];
  msghdr msg{};
  msg.msg_name = &out->dest;
  msg.msg_namelen = sizeof(out->dest);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN ? 0 : -errno;
  out->dest_len = msg.msg_namelen;
  out->err = 0;
  out->icmp = false;
  out->type = 0;
  out->code = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
    bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if ((!v4 && !v6) || c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) continue;
    sock_extended_err ee;
    std::memcpy(&ee, CMSG_DATA(c), sizeof(ee));
    out->err = static_cast<int>(ee.ee_errno);
    out->icmp = ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6;
    out->type = ee.ee_type;
    out->code = ee.ee_code;
  }
  return 1;
}

bool same_endpoint(const sockaddr* a, const sockaddr* b) {
  if (a->sa_family != b->sa_family) return false;
  if (a->sa_family == AF_INET) {
    sockaddr_in x, y;
    std::memcpy(&x, a, sizeof(x));
    std::memcpy(&y, b, sizeof(y));
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  if (a->sa_family == AF_INET6) {
    sockaddr_in6 x, y;
    std::memcpy(&x, a, sizeof(x));
    std::memcpy(&y, b, sizeof(y));
    return x.sin6_port == y.sin6_port && x.sin6_scope_id == y.sin6_scope_id &&
           std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof(x.sin6_addr)) == 0;
  }
  return false;
}

}  // namespace percore::net
