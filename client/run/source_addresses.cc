#include "client/run/source_addresses.h"

#include <errno.h>

#include <cstring>

#include <fmt/format.h>

namespace percore::client {
namespace {

// One address without a port, brackets allowed around IPv6.
bool parse_one(std::string_view text, int family, net::Address* out) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::string s(text);
  *out = net::Address{};
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out->storage);
    a->sin_family = AF_INET;
    out->len = sizeof(sockaddr_in);
    return inet_pton(AF_INET, s.c_str(), &a->sin_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&out->storage);
  a->sin6_family = AF_INET6;
  out->len = sizeof(sockaddr_in6);
  return inet_pton(AF_INET6, s.c_str(), &a->sin6_addr) == 1;
}

// The address bytes as a big-endian number's last 8 bytes, and the bytes above them: a range
// may only vary in the low 64 bits (all of IPv4).
struct Split {
  uint8_t high[8] = {};
  uint64_t low = 0;
};

Split split(const net::Address& a) {
  Split s;
  const uint8_t* bytes;
  size_t n;
  if (a.family() == AF_INET) {
    bytes =
        reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(a.sa())->sin_addr);
    n = 4;
  } else {
    bytes =
        reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(a.sa())->sin6_addr);
    n = 16;
    std::memcpy(s.high, bytes, 8);
    bytes += 8;
    n = 8;
  }
  for (size_t i = 0; i < n; ++i) s.low = (s.low << 8) | bytes[i];
  return s;
}

net::Address with_low(const net::Address& base, uint64_t low) {
  net::Address a = base;
  uint8_t* bytes;
  size_t n;
  if (a.family() == AF_INET) {
    bytes = reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in*>(a.sa())->sin_addr);
    n = 4;
  } else {
    bytes = reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in6*>(a.sa())->sin6_addr) + 8;
    n = 8;
  }
  for (size_t i = n; i-- > 0; low >>= 8) bytes[i] = static_cast<uint8_t>(low & 0xff);
  return a;
}

}  // namespace

bool parse_sources(std::string_view text, int family, std::vector<net::Address>* out,
                   std::string* error) {
  const char* fam = family == AF_INET ? "IPv4" : "IPv6";
  out->clear();
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    // A dash splits a range; IPv6 addresses hold no dash, so the first one is the separator.
    size_t dash = item.find('-');
    net::Address first, last;
    std::string_view a = item.substr(0, dash);
    std::string_view b = dash == std::string_view::npos ? a : item.substr(dash + 1);
    if (!parse_one(a, family, &first) || !parse_one(b, family, &last)) {
      *error = fmt::format(
          "bad --source '{}': expected {} addresses or ranges A-B, like the "
          "target's",
          item, fam);
      return false;
    }
    Split lo = split(first), hi = split(last);
    if (std::memcmp(lo.high, hi.high, 8) != 0 || hi.low < lo.low) {
      *error = fmt::format("bad --source range '{}': the end must not be below the start", item);
      return false;
    }
    if (hi.low - lo.low >= kMaxSources - out->size()) {
      *error = fmt::format("--source holds more than {} addresses", kMaxSources);
      return false;
    }
    for (uint64_t v = lo.low;; ++v) {
      out->push_back(with_low(first, v));
      if (v == hi.low) break;
    }
  }
  if (out->empty()) {
    *error = "--source is empty";
    return false;
  }
  return true;
}

}  // namespace percore::client
