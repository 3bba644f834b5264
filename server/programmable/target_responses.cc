#include "server/programmable/target_responses.h"

#include <fmt/format.h>
#include <http_parser.h>

#include <cstring>

namespace percore::server::programmable {
namespace {

// Distinct heads kept per worker; a client cycling through more sizes than this still gets
// correct answers, built each time.
constexpr size_t kMaxCachedHeads = 1024;
// Bodies up to this size are copied next to their head, so one response is one iovec.
constexpr size_t kCopyBodyLimit = 2048;
constexpr size_t kDateLength = 29;  // "Sun, 22 Nov 2026 03:14:00 GMT"

// http-parser's table of registered codes (RFC 9110 and the IANA registry); an unregistered
// code gets its class's name, so every status line has a meaningful phrase.
const char* reason_phrase(int status) {
  // Not in the registry (RFC 9110 15.5.19 keeps it unused) nor in http-parser, but the code
  // everyone tries first.
  if (status == 418) return "I'm a teapot";
  const char* known = http_status_str(static_cast<http_status>(status));
  if (known != nullptr && known[0] != '<') return known;  // "<unknown>" otherwise
  switch (status / 100) {
    case 1:
      return "Informational";
    case 2:
      return "Success";
    case 3:
      return "Redirection";
    case 4:
      return "Client Error";
    default:
      return "Server Error";
  }
}

// 1xx, 204 and 304 carry no body and no framing header (RFC 9110 6.4.1, 8.6): a
// Content-Length on a 304 would describe the representation not sent, so none is sent.
bool bodiless(int status) {
  return status < 200 || status == 204 || status == 304;
}

}  // namespace

size_t TargetResponses::KeyHash::operator()(const Key& k) const {
  uint64_t h = static_cast<uint64_t>(k.size) * 0x9E3779B97F4A7C15ULL;
  h ^= (static_cast<uint64_t>(k.status) << 20) ^ (static_cast<uint64_t>(k.headers) << 4);
  h ^= (k.chunked ? 1u : 0u) | (k.close ? 2u : 0u) | (k.head ? 4u : 0u);
  return static_cast<size_t>(h ^ (h >> 29));
}

TargetResponses::TargetResponses(std::string_view default_body) : default_body_(default_body) {
  refresh(time(nullptr));
}

void TargetResponses::refresh(time_t now) {
  if (now == date_for_) return;
  date_for_ = now;
  tm t;
  gmtime_r(&now, &t);
  strftime(date_, sizeof(date_), "%a, %d %b %Y %H:%M:%S GMT", &t);
}

void TargetResponses::build_head(const Key& key, int64_t body_size, std::string* out,
                                 size_t* date_at) const {
  out->clear();
  fmt::format_to(std::back_inserter(*out),
                 "HTTP/1.1 {} {}\r\nServer: percore\r\nDate: ", key.status,
                 reason_phrase(key.status));
  *date_at = out->size();
  out->append(date_, kDateLength);
  out->append("\r\nContent-Type: text/plain\r\n");
  if (key.chunked && !bodiless(key.status)) {
    out->append("Transfer-Encoding: chunked\r\n");
  } else if (!bodiless(key.status)) {
    fmt::format_to(std::back_inserter(*out), "Content-Length: {}\r\n", body_size);
  }
  for (int i = 1; i <= key.headers; ++i) {
    fmt::format_to(std::back_inserter(*out), "X-Percore-{}: extra header line\r\n", i);
  }
  out->append(key.close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
}

std::string_view TargetResponses::filler(int64_t size) {
  if (fillers_.empty() || static_cast<int64_t>(fillers_.back()->size()) < size) {
    // Grow by doubling so a ramp of sizes allocates O(log n) times; keep the old buffer, since a
    // send in flight may still point into it.
    size_t want = std::max<size_t>(static_cast<size_t>(size),
                                   fillers_.empty() ? 4096 : 2 * fillers_.back()->size());
    want = std::min<size_t>(want, static_cast<size_t>(kMaxBodyBytes));
    auto buf = std::make_unique<std::string>();
    buf->reserve(want);
    static constexpr std::string_view kPattern = "percore ";
    for (size_t i = 0; i < want; ++i) buf->push_back(kPattern[i % kPattern.size()]);
    fillers_.push_back(std::move(buf));
  }
  return std::string_view(*fillers_.back()).substr(0, static_cast<size_t>(size));
}

void TargetResponses::append_chunked(std::string_view body, int64_t chunk, io::SendQueue* out) {
  size_t step = chunk > 0 ? static_cast<size_t>(chunk) : std::max<size_t>(body.size(), 1);
  char line[32];
  for (size_t at = 0; at < body.size(); at += step) {
    std::string_view piece = body.substr(at, step);
    int n = std::snprintf(line, sizeof(line), "%zx\r\n", piece.size());
    out->append_copy(std::string_view(line, static_cast<size_t>(n)));
    if (piece.size() <= kCopyBodyLimit) {
      out->append_copy(piece);
    } else {
      out->append_ref(piece);
    }
    out->append_copy("\r\n");
  }
  out->append_copy("0\r\n\r\n");
}

size_t TargetResponses::append(const TargetSpec& spec, bool close, bool head, io::SendQueue* out) {
  std::string_view body = spec.size < 0 ? default_body_ : filler(spec.size);
  Key key{spec.status, spec.headers, spec.size, spec.chunked, close, head};
  size_t before = out->pending_bytes();
  auto it = heads_.find(key);
  if (it == heads_.end() && heads_.size() < kMaxCachedHeads) {
    Head h;
    build_head(key, static_cast<int64_t>(body.size()), &h.bytes, &h.date_at);
    h.date_for = date_for_;
    it = heads_.emplace(key, std::move(h)).first;
  }
  if (it != heads_.end()) {
    Head& h = it->second;
    if (h.date_for != date_for_) {
      std::memcpy(h.bytes.data() + h.date_at, date_, kDateLength);
      h.date_for = date_for_;
    }
    out->append_copy(h.bytes);
  } else {
    size_t date_at = 0;
    build_head(key, static_cast<int64_t>(body.size()), &scratch_, &date_at);
    out->append_copy(scratch_);
  }
  if (!head && !bodiless(spec.status)) {
    if (spec.chunked) {
      append_chunked(body, spec.chunk, out);
    } else if (body.size() <= kCopyBodyLimit) {
      out->append_copy(body);
    } else {
      out->append_ref(body);
    }
  }
  return out->pending_bytes() - before;
}

void TargetResponses::append_bad_request(const char* reason, io::SendQueue* out) {
  char body[256];
  int body_len = std::snprintf(body, sizeof(body), "400 Bad Request: %s\n", reason);
  body_len = std::min<int>(body_len, static_cast<int>(sizeof(body)) - 1);
  char head[256];
  int head_len = std::snprintf(head, sizeof(head),
                               "HTTP/1.1 400 Bad Request\r\nServer: percore\r\nDate: %.*s\r\n"
                               "Content-Type: text/plain\r\nContent-Length: %d\r\n"
                               "Connection: close\r\n\r\n",
                               static_cast<int>(kDateLength), date_, body_len);
  out->append_copy(std::string_view(head, static_cast<size_t>(head_len)));
  out->append_copy(std::string_view(body, static_cast<size_t>(body_len)));
}

}  // namespace percore::server::programmable
