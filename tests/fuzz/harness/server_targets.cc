// Fuzz targets over whole server modes: what the mode sends must always parse as well-framed
// HTTP for the peer that reads it, whatever the client or the backend sent.
#include <string_view>

#include "tests/fuzz/harness/mode_driver.h"
#include "tests/fuzz/harness/targets.h"

namespace percore::fuzz {
namespace {

// A response to HEAD carries a Content-Length without a body, which a reader that does not know
// the request was HEAD misreads; inputs naming HEAD skip the response-framing check.
bool mentions_head(std::string_view input) {
  return input.find("HEAD") != std::string_view::npos;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The first byte chooses the read size (1..128); the rest arrive in reads of that size, with
// every send and connect completed in between.
void feed_client(ModeDriver& d, const uint8_t* data, size_t size) {
  if (size == 0) return;
  size_t chunk = (data[0] & 0x7f) + 1u;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  while (!rest.empty()) {
    d.client_bytes(rest.substr(0, chunk));
    rest.remove_prefix(rest.size() < chunk ? rest.size() : chunk);
    d.complete_io();
    d.answer_upstreams();
    d.complete_io();
  }
  // A high first bit lets the header timeout fire on what is left unfinished.
  if (data[0] & 0x80) d.advance_ms(60'000);
  d.client_eof();
}

}  // namespace

int server_request(const uint8_t* data, size_t size) {
  ModeDriver d(server::ServerMode::kHttp);
  feed_client(d, data, size);
  d.finish();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!mentions_head(input)) {
    for (const std::string& out : d.client_output()) check(parses_as(out, true));
  }
  return 0;
}

int proxy_request(const uint8_t* data, size_t size) {
  ModeDriver d(server::ServerMode::kProxy);
  feed_client(d, data, size);
  d.finish();
  // What reaches a backend must frame exactly as the proxy framed it: no smuggled request.
  for (const std::string& out : d.upstream_output()) check(parses_as(out, false));
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!mentions_head(input)) {
    for (const std::string& out : d.client_output()) check(parses_as(out, true));
  }
  return 0;
}

int proxy_response(const uint8_t* data, size_t size) {
  ModeDriver d(server::ServerMode::kProxy);
  d.client_bytes("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  d.complete_io();
  d.complete_io();
  if (size > 0) {
    size_t chunk = (data[0] & 0x7f) + 1u;
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    while (!rest.empty()) {
      d.upstream_bytes(rest.substr(0, chunk));
      rest.remove_prefix(rest.size() < chunk ? rest.size() : chunk);
      d.complete_io();
    }
    if (data[0] & 0x80) d.advance_ms(60'000);
  }
  d.upstream_eof();
  d.finish();
  // Whatever the backend sent, the client reads well-framed responses (or a cut-off last one).
  for (const std::string& out : d.client_output()) check(parses_as(out, true));
  return 0;
}

}  // namespace percore::fuzz
