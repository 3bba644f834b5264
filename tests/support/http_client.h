// Blocking raw-socket HTTP helpers for end-to-end tests: they let a test send exactly the bytes
// it wants (split, pipelined, malformed) and check exactly what comes back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace percore::test {

struct Response {
  int status = 0;
  std::string body;
  bool keep_alive = false;
};

// A connected blocking TCP socket to 127.0.0.1:port (receive timeout 5 s), or -1. rcvbuf > 0
// sets SO_RCVBUF before the connect, so the window the server sees is that small from the start.
int connect_loopback(int port, int rcvbuf = 0);
bool send_all(int fd, std::string_view bytes);

// Reads until `count` complete responses arrived, the peer closed, or timeout_ms passed.
// *closed (optional) tells whether the peer closed the connection.
std::vector<Response> read_responses(int fd, size_t count, int timeout_ms, bool head = false,
                                     bool* closed = nullptr);

// Reads exactly one response within timeout_ms. Anything else (none, or more than one) fails the
// calling test and gives status 0.
Response read_one(int fd, int timeout_ms);

// The raw bytes of one response head, up to and including its empty line, plus whatever else
// arrives within settle_ms after it (a body that should not be there); "" on timeout.
std::string read_raw_head(int fd, int timeout_ms, int settle_ms = 100);

// True when the peer closes (EOF or reset) within timeout_ms, discarding what it sends.
bool wait_closed(int fd, int timeout_ms);

// One request on a fresh connection; status 0 when nothing came back.
Response http_get(int port, const std::string& path);

// The sum over workers of a Prometheus counter, e.g. "percore_requests_total"; -1 if missing.
long long metric_sum(const std::string& metrics_text, const std::string& name);
// The value of one labelled series, e.g. metric_value(text, "percore_accepted_total", "0").
long long metric_value(const std::string& metrics_text, const std::string& name,
                       const std::string& worker);

}  // namespace percore::test
