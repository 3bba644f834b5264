// Builds the request bytes once at start; the hot path only ever points at them. For pipelining the
// buffer holds `copies` back-to-back requests so k of them go out as one contiguous send.
#pragma once

#include <string>

#include "client/options.h"

namespace percore::client {

// One complete request (head and body) for the options: Host from the URL unless -H sets one,
// Content-Length when there is a body, Connection: close with --no-keepalive.
std::string build_request(const Options& options);

// `copies` requests back to back.
std::string repeat_request(const std::string& request, int copies);

}  // namespace percore::client
