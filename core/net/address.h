// Socket addresses as users write them: "ip:port", "[v6]:port", "host:port" with a numeric host.
#pragma once

#include <string>
#include <string_view>

#include "core/net/sys.h"

namespace percore::net {

struct Address {
  sockaddr_storage storage{};
  socklen_t len = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage); }
  uint16_t port() const;
  void set_port(uint16_t port);
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string to_string() const;
};

// Parses a numeric IPv4 or bracketed IPv6 address with a port (0-65535). On failure returns false
// and puts a one-line reason in *error. "localhost" is accepted as 127.0.0.1.
bool parse_address(std::string_view text, Address* out, std::string* error);

// The local address a socket is bound to.
bool local_address(int fd, Address* out);
// The peer of a connected socket.
bool peer_address(int fd, Address* out);

}  // namespace percore::net
