// Fuzz targets over the client's parsers: the response parser, the URL and the command lines of
// client and server.
#include <string>
#include <string_view>
#include <vector>

#include "client/flags/flags.h"
#include "client/http/http_conn.h"
#include "client/http/url.h"
#include "server/options.h"
#include "tests/fuzz/harness/targets.h"

namespace percore::fuzz {
namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

class CountingSink final : public client::ResponseSink {
 public:
  void on_response(client::HttpConn& conn, int status, bool) override {
    check(conn.in_flight > 0);
    check(status >= 100 && status <= 999);
    conn.pop();
    ++responses;
  }
  int responses = 0;
};

bool one_line(const std::string& s) {
  return !s.empty() && s.find('\n') == std::string::npos;
}

}  // namespace

int client_response(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr uint32_t kRequests = 4;
  client::InFlight ring[kRequests];
  client::HttpConn conn;
  CountingSink sink;
  conn.ring = ring;
  conn.capacity = kRequests;
  conn.sink = &sink;
  conn.head_method = data[0] & 0x80;
  for (uint32_t i = 0; i < kRequests; ++i) conn.push({0, 0});
  client::reset_parser(conn);
  size_t chunk = (data[0] & 0x7f) + 1u;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  bool failed = false;
  while (!rest.empty() && !failed) {
    std::string piece(rest.substr(0, chunk));  // a copy, so reads past it are caught
    rest.remove_prefix(piece.size());
    failed = client::feed_response(conn, piece.data(), piece.size()) == client::FeedResult::kError;
  }
  if (!failed) client::feed_eof(conn);
  check(sink.responses <= static_cast<int>(kRequests));
  return 0;
}

int url(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  client::Url u;
  std::string error;
  if (!client::parse_url(text, &u, &error)) {
    check(one_line(error));
    return 0;
  }
  check(!u.target.empty() && u.target.front() == '/');
  for (char c : u.target) check(static_cast<unsigned char>(c) > ' ' && c != 0x7f);
  // What was accepted reads back the same when written out again.
  client::Url again;
  check(client::parse_url("http://" + u.host_header + u.target, &again, &error));
  check(again.host_header == u.host_header && again.target == u.target);
  return 0;
}

int flags(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool server = data[0] & 1;
  std::vector<std::string> args{server ? "server" : "client"};
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  while (!rest.empty() && args.size() < 32) {
    size_t nul = rest.find('\0');
    args.emplace_back(rest.substr(0, nul));
    rest.remove_prefix(nul == std::string_view::npos ? rest.size() : nul + 1);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  std::string message;
  if (server) {
    server::ServerOptions o;
    auto r = server::parse_server_options(argc, argv.data(), &o, &message);
    if (r == server::ParseOutcome::kUsageError) check(one_line(message));
  } else {
    client::Options o;
    auto r = client::parse_flags(argc, argv.data(), &o, &message);
    if (r == client::ParseStatus::kError) check(one_line(message));
  }
  return 0;
}

}  // namespace percore::fuzz
