// The answers a proxy makes itself (400, 408, 431, 502, 504, 505): built once, immutable
// afterwards, so they are queued by reference without copying.
#pragma once

#include <string_view>

namespace percore::http {

struct ErrorReply {
  int status;
  std::string_view keep;   // head with Connection: keep-alive
  std::string_view close;  // head with Connection: close
  std::string_view body;
};

// The reply for a status among those above (502 for any other).
const ErrorReply* error_reply(int status);

}  // namespace percore::http
