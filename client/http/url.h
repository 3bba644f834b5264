// The target URL: http://host[:port][/path][?query] with a numeric host or "localhost" (the client
// does no DNS so a run never measures a resolver).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/net/address.h"

namespace percore::client {

struct Url {
  net::Address address;
  // Other addresses the host names, tried in order by the pre-run check when `address` does not
  // accept (localhost: [::1] after 127.0.0.1); the first that accepts becomes `address`.
  std::vector<net::Address> alternatives;
  std::string host_header;  // "127.0.0.1:8080" as the Host header wants it
  std::string target;       // "/path?query", at least "/"
};

// The other addresses of a "localhost[:port]" authority (none for a numeric host).
void add_localhost_alternatives(std::string_view authority, Url* url);

// Returns false with a one-line reason for anything that is not such a URL.
bool parse_url(std::string_view text, Url* out, std::string* error);

}  // namespace percore::client
