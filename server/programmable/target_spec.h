// What one request asks the programmable target for (`server --programmable`): status, body
// size, delay, framing, and how the connection ends. The defaults come from the command line;
// the query string overrides them per request. Parsing is allocation-free: it runs once per
// request on the hot path, and a bad parameter yields a reason for the 400 body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace percore::server::programmable {

// Limits that keep a single request from asking the worker for anything unreasonable.
inline constexpr int64_t kMaxBodyBytes = 64LL << 20;
inline constexpr int64_t kMaxDelayNs = 3600LL * 1'000'000'000;
inline constexpr int kMaxExtraHeaders = 1000;
inline constexpr int64_t kMaxChunks = 65536;

struct TargetSpec {
  int status = 200;
  int64_t size = -1;  // body bytes; -1: the server's default body
  int64_t delay_ns = 0;
  bool delay_given = false;  // delay= in the query (beats --delay-dist)
  bool chunked = false;
  int64_t chunk = 0;  // bytes per chunk; 0: the whole body in one chunk
  bool close = false;
  bool reset = false;
  bool drop = false;
  int headers = 0;  // extra X-Percore-N header lines
};

// The reason a query was refused, as text for the 400 body.
struct SpecError {
  SpecError() { text[0] = '\0'; }  // not the whole buffer: this is built once per request
  char text[160];
  bool set() const { return text[0] != '\0'; }
};

// Parses "250us", "100ms", "1.5s" (a unit is required, "0" alone is allowed) into nanoseconds.
bool parse_delay(std::string_view text, int64_t* ns);

// Applies the query of a request target ("/path?status=503&size=10") on top of *spec. Returns
// false with *error set for an unknown parameter, a malformed value or one out of range.
bool apply_query(std::string_view target, TargetSpec* spec, SpecError* error);

// Checks the combination once all parameters are known: a chunked body of at most kMaxChunks
// chunks. default_size is the body size= -1 stands for.
bool check_spec(const TargetSpec& spec, int64_t default_size, SpecError* error);

// Applies one "name=value" setting (the command-line defaults use the same names).
bool apply_param(std::string_view name, std::string_view value, TargetSpec* spec, SpecError* error);

}  // namespace percore::server::programmable
