// The target URL: http://host[:port][/path][?query] with a numeric host or "localhost" (the client
// does no DNS so a run never measures a resolver).
#pragma once

#include <string>
#include <string_view>

#include "core/net/address.h"

namespace percore::client {

struct Url {
  net::Address address;
  std::string host_header;  // "127.0.0.1:8080" as the Host header wants it
  std::string target;       // "/path?query", at least "/"
};

// Returns false with a one-line reason for anything that is not such a URL.
bool parse_url(std::string_view text, Url* out, std::string* error);

}  // namespace percore::client
