// The fuzz targets as plain functions: the libFuzzer binaries call one each, and the unit tests
// replay the checked-in corpora and crash reproducers through the same functions. Each returns
// 0 and traps (__builtin_trap) when an invariant breaks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace percore::fuzz {

// Server mode: bytes from one client, cut into reads whose size the first byte chooses.
int server_request(const uint8_t* data, size_t size);
// Proxy mode, client side: the same, with a backend that answers every forwarded request.
int proxy_request(const uint8_t* data, size_t size);
// Proxy mode, backend side: two pipelined requests, then the input as the backend's answer.
int proxy_response(const uint8_t* data, size_t size);
// The client's response parser (feed_response/feed_eof).
int client_response(const uint8_t* data, size_t size);
// client http URL parsing.
int url(const uint8_t* data, size_t size);
// Command lines of client and server: NUL-separated arguments; the first byte picks which.
int flags(const uint8_t* data, size_t size);
// The TLS server engine (core/tls/): records from one client, see tls_server_target.cc.
int tls_server(const uint8_t* data, size_t size);

}  // namespace percore::fuzz
