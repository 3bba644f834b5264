// --source: the local addresses connections are spread over, so that one client can hold more
// than one port range's worth of connections to a single server address (about 64k per source
// address). Written as a comma-separated list of addresses and inclusive ranges of one family:
// "127.0.0.2-127.0.0.40", "::1", "10.0.0.1,10.0.0.5-10.0.0.9", "fd00::1-fd00::ff".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/net/address.h"

namespace percore::client {

// At most this many addresses, so a typo like 10.0.0.1-10.255.0.1 is an error, not 16M entries.
inline constexpr size_t kMaxSources = 65536;

// Parses `text` into addresses of `family` (the target's) with port 0. False with a one-line
// reason on a malformed address, a reversed or oversized range, or a family mismatch.
bool parse_sources(std::string_view text, int family, std::vector<net::Address>* out,
                   std::string* error);

// Binds an unbound socket to `source` with IP_BIND_ADDRESS_NO_PORT, so the port is chosen at
// connect() from the 4-tuple rather than reserved at bind() (which would cap every source
// address at one port range in total). 0 or -errno.
int bind_source(int fd, const net::Address& source);

}  // namespace percore::client
