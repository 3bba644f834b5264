#include "core/net/address.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

namespace percore::net {

uint16_t Address::port() const {
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
}

void Address::set_port(uint16_t port) {
  if (family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  }
}

std::string Address::to_string() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, host,
              sizeof(host));
    return fmt::format("[{}]:{}", host, port());
  }
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, host, sizeof(host));
  return fmt::format("{}:{}", host, port());
}

bool parse_address(std::string_view text, Address* out, std::string* error) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *error = fmt::format("bad address '{}': expected [v6-address]:port", text);
      return false;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      *error = fmt::format("bad address '{}': expected ip:port or [v6-address]:port", text);
      return false;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    *error = fmt::format("bad port in '{}': expected a number from 0 to 65535", text);
    return false;
  }
  std::string host_str(host);
  if (host_str == "localhost") host_str = "127.0.0.1";
  *out = Address{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out->storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  if (inet_pton(AF_INET, host_str.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    out->len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host_str.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    out->len = sizeof(sockaddr_in6);
  } else {
    *error =
        fmt::format("bad address '{}': '{}' is not a numeric IPv4 or IPv6 address", text, host_str);
    return false;
  }
  out->set_port(static_cast<uint16_t>(port));
  return true;
}

bool local_address(int fd, Address* out) {
  out->len = sizeof(out->storage);
  return getsockname(fd, out->sa(), &out->len) == 0;
}

bool peer_address(int fd, Address* out) {
  out->len = sizeof(out->storage);
  return getpeername(fd, out->sa(), &out->len) == 0;
}

}  // namespace percore::net
