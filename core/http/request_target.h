// The request target a proxy sends on (RFC 9112 3.2). Origin-form ("/path?query") and the
// asterisk form go as received. Absolute-form ("http://host:port/path?query", what a client
// configured for a forward proxy sends) becomes origin-form, and its authority replaces the
// Host header (RFC 9112 3.2.2), as nginx does. Views into the received target: nothing is
// allocated, so this runs on every request.
#pragma once

#include <string>
#include <string_view>

#include "core/http/request_problem.h"

namespace percore::http {

struct ForwardTarget {
  // Path and query to send. After an absolute-form target it may be empty or start with '?'
  // ("http://h", "http://h?q"): append_target() puts the '/' in front.
  std::string_view origin;
  // The absolute-form target's "host[:port]" (brackets kept for IPv6), empty for origin-form.
  std::string_view authority;
};

// Splits a request target as received. kBadRequestTarget for an absolute-form target that is not
// http(s) with a host, carries userinfo (RFC 9110 4.2.4), or does not parse.
RequestProblem forward_target(std::string_view target, ForwardTarget* out);

// Appends the target to send, in origin-form.
void append_target(const ForwardTarget& target, std::string* out);

}  // namespace percore::http
