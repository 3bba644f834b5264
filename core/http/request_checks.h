// The request-smuggling and framing checks a proxy makes on a request head before forwarding
// it, over headers collected by MessageHead. http-parser (strict build) catches some of these
// itself; checking them all here keeps the rules in one place and unit-testable.
#pragma once

#include <cstdint>

#include "core/http/message_head.h"
#include "core/http/request_problem.h"

namespace percore::http {

// Framing the request head declares, once it passed check_request().
struct RequestFraming {
  bool chunked = false;
  bool has_length = false;
  uint64_t content_length = 0;
};

// Checks a request head; http_minor decides whether Host is required (HTTP/1.1).
RequestProblem check_request(const MessageHead& head, int http_minor, RequestFraming* framing);

}  // namespace percore::http
