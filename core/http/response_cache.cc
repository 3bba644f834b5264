#include "core/http/response_cache.h"

#include <fmt/format.h>

namespace percore::http {
namespace {

struct ReplyInfo {
  int status;
  const char* reason;
  bool head_only;
  bool close;
  const char* error_body;  // nullptr: the configured 200 body
  const char* extra = "";  // more header lines
};

constexpr ReplyInfo kInfo[] = {
    {200, "OK", false, false, nullptr},
    {200, "OK", false, true, nullptr},
    {200, "OK", true, false, nullptr},
    {200, "OK", true, true, nullptr},
    {400, "Bad Request", false, true, "400 Bad Request\n"},
    {431, "Request Header Fields Too Large", false, true, "431 Request Header Fields Too Large\n"},
    {505, "HTTP Version Not Supported", false, true, "505 HTTP Version Not Supported\n"},
    {408, "Request Timeout", false, true, "408 Request Timeout\n"},
    // Every method but CONNECT gets the 200: this is an origin server, not a tunnel.
    {405, "Method Not Allowed", false, true, "405 Method Not Allowed\n",
     "Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH\r\n"},
    {414, "URI Too Long", false, true, "414 URI Too Long\n"},
    {417, "Expectation Failed", false, true, "417 Expectation Failed\n"},
};
static_assert(sizeof(kInfo) / sizeof(kInfo[0]) == static_cast<size_t>(Reply::kCount));

const ReplyInfo& info(Reply r) {
  return kInfo[static_cast<int>(r)];
}

}  // namespace

bool closes_connection(Reply r) {
  return info(r).close;
}

ResponseCache::ResponseCache(long body_size) {
  if (body_size < 0) {
    ok_body_ = "Hello from percore\n";
  } else {
    static constexpr std::string_view kPattern = "percore ";
    ok_body_.reserve(static_cast<size_t>(body_size));
    for (long i = 0; i < body_size; ++i) ok_body_ += kPattern[static_cast<size_t>(i) % 8];
    if (body_size > 0) ok_body_.back() = '\n';
  }
  refresh(time(nullptr));
}

std::string_view ResponseCache::body(Reply r) const {
  const ReplyInfo& i = info(r);
  if (i.head_only) return {};
  return i.error_body != nullptr ? std::string_view(i.error_body) : std::string_view(ok_body_);
}

int ResponseCache::status(Reply r) const {
  return info(r).status;
}

void ResponseCache::refresh(time_t now) {
  if (now == built_for_) return;
  built_for_ = now;
  tm t;
  gmtime_r(&now, &t);
  char date[64];
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &t);
  for (int r = 0; r < static_cast<int>(Reply::kCount); ++r) {
    const ReplyInfo& i = kInfo[r];
    size_t length =
        i.error_body != nullptr ? std::string_view(i.error_body).size() : ok_body_.size();
    heads_[r] = fmt::format(
        "HTTP/1.1 {} {}\r\nServer: percore\r\nDate: {}\r\nContent-Type: text/plain\r\n"
        "Content-Length: {}\r\n{}Connection: {}\r\n\r\n",
        i.status, i.reason, date, length, i.extra, i.close ? "close" : "keep-alive");
  }
}

}  // namespace percore::http
