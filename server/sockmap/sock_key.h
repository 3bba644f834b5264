// The key under which a connection sits in the in-kernel echo's SOCKHASH. The verdict program
// builds the same key from the skb's addresses (server/sockmap/echo.bpf.c, struct sock_key), so
// the layout and byte orders here must match it field for field.
#pragma once

#include <cstdint>

namespace percore::server::sockmap {

struct SockKey {
  uint32_t remote_ip[4] = {};  // as in sin_addr / sin6_addr: network byte order
  uint32_t local_ip[4] = {};
  uint32_t remote_port = 0;  // network byte order (sin_port as is)
  uint32_t local_port = 0;   // host byte order
  uint32_t family = 0;
};
static_assert(sizeof(SockKey) == 44, "must match struct sock_key in echo.bpf.c");

// Fills *key from the socket's own and its peer's address; returns 0 or -errno.
int sock_key_of(int fd, SockKey* key);

}  // namespace percore::server::sockmap
