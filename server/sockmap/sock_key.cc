#include "server/sockmap/sock_key.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace percore::server::sockmap {

int sock_key_of(int fd, SockKey* key) {
  sockaddr_storage local{}, remote{};
  socklen_t local_len = sizeof(local), remote_len = sizeof(remote);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_len) != 0) {
    return -errno;
  }
  *key = SockKey{};
  key->family = local.ss_family;
  if (local.ss_family == AF_INET) {
    const auto& l = reinterpret_cast<const sockaddr_in&>(local);
    const auto& r = reinterpret_cast<const sockaddr_in&>(remote);
    key->local_ip[0] = l.sin_addr.s_addr;
    key->remote_ip[0] = r.sin_addr.s_addr;
    key->local_port = ntohs(l.sin_port);
    key->remote_port = r.sin_port;
  } else if (local.ss_family == AF_INET6) {
    const auto& l = reinterpret_cast<const sockaddr_in6&>(local);
    const auto& r = reinterpret_cast<const sockaddr_in6&>(remote);
    std::memcpy(key->local_ip, &l.sin6_addr, sizeof(key->local_ip));
    std::memcpy(key->remote_ip, &r.sin6_addr, sizeof(key->remote_ip));
    key->local_port = ntohs(l.sin6_port);
    key->remote_port = r.sin6_port;
  } else {
    return -EAFNOSUPPORT;
  }
  return 0;
}

}  // namespace percore::server::sockmap
