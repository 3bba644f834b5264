#include "core/http/message_head.h"

#include <array>
#include <charconv>

#include "core/http/request_target.h"

namespace percore::http {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// Always hop-by-hop, whatever Connection lists (RFC 9110 7.6.1; Proxy-Connection is the
// pre-standard spelling some clients still send). X-Forwarded-For is rebuilt, not copied.
constexpr std::array<std::string_view, 7> kDropped = {
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "x-forwarded-for"};

// True when `name` appears as a token in any Connection header of the message.
bool listed_in_connection(const MessageHead& head, std::string_view name) {
  for (size_t i = 0; i < head.field_count(); ++i) {
    if (!equals_nocase(head.name(i), "connection")) continue;
    std::string_view v = head.value(i);
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view token = trim_ows(v.substr(0, comma));
      if (equals_nocase(token, name)) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool has_connection_header(const MessageHead& head) {
  for (size_t i = 0; i < head.field_count(); ++i) {
    if (equals_nocase(head.name(i), "connection")) return true;
  }
  return false;
}

bool is_hop_by_hop(const MessageHead& head, std::string_view name, bool check_connection) {
  for (std::string_view d : kDropped) {
    if (equals_nocase(name, d)) return true;
  }
  return check_connection && listed_in_connection(head, name);
}

// Headers a forwarded head leaves out besides the hop-by-hop ones.
enum Omit : unsigned {
  kOmitNone = 0,
  kOmitHost = 1,     // replaced by the authority of an absolute-form target
  kOmitFraming = 2,  // Content-Length and Transfer-Encoding, where no body can follow
};

bool omitted(std::string_view name, unsigned omit) {
  if ((omit & kOmitHost) != 0 && equals_nocase(name, "host")) return true;
  return (omit & kOmitFraming) != 0 &&
         (equals_nocase(name, "content-length") || equals_nocase(name, "transfer-encoding"));
}

// End-to-end headers, each as "Name: value\r\n".
void append_end_to_end(const MessageHead& head, unsigned omit, std::string* out) {
  bool check_connection = has_connection_header(head);  // the common case skips the scan
  for (size_t i = 0; i < head.field_count(); ++i) {
    std::string_view name = head.name(i);
    if (is_hop_by_hop(head, name, check_connection)) continue;
    if (omit != kOmitNone && omitted(name, omit)) continue;
    out->append(name);
    out->append(": ");
    out->append(head.value(i));
    out->append("\r\n");
  }
}

}  // namespace

void MessageHead::reset() {
  buf_.clear();
  fields_.clear();
  target_len_ = 0;
  last_ = Part::kNone;
}

void MessageHead::append(Part part, const char* data, size_t len) {
  uint32_t off = static_cast<uint32_t>(buf_.size());
  buf_.append(data, len);
  uint32_t n = static_cast<uint32_t>(len);
  if (part == Part::kUrl) {
    target_len_ += len;
  } else if (part == Part::kName) {
    if (last_ == Part::kName) {
      fields_.back().name_len += n;
    } else {
      fields_.push_back(Field{off, n, off + n, 0});
    }
  } else if (!fields_.empty()) {
    Field& f = fields_.back();
    if (last_ != Part::kValue) f.value_off = off;
    f.value_len += n;
  }
  last_ = part;
}

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void build_request_head(const MessageHead& head, std::string_view method, int http_minor,
                        std::string_view client_ip, std::string* out) {
  build_request_head(head, ForwardTarget{head.target(), {}}, method, http_minor, client_ip, out);
}

void build_request_head(const MessageHead& head, const ForwardTarget& target,
                        std::string_view method, int http_minor, std::string_view client_ip,
                        std::string* out) {
  out->append(method);
  out->push_back(' ');
  append_target(target, out);
  out->append(http_minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  unsigned omit = kOmitNone;
  if (!target.authority.empty()) {
    // RFC 9112 3.2.2: a proxy generates Host from an absolute-form target, never forwards the
    // received one (they may disagree; the backend must see what the client asked for).
    out->append("Host: ");
    out->append(target.authority);
    out->append("\r\n");
    omit = kOmitHost;
  }
  append_end_to_end(head, omit, out);
  out->append("X-Forwarded-For: ");
  bool first = true;
  for (size_t i = 0; i < head.field_count(); ++i) {
    if (!equals_nocase(head.name(i), "x-forwarded-for")) continue;
    std::string_view v = trim_ows(head.value(i));
    if (v.empty()) continue;
    if (!first) out->append(", ");
    out->append(v);
    first = false;
  }
  if (!first) out->append(", ");
  out->append(client_ip);
  out->append("\r\n");
  if (http_minor == 0) out->append("Connection: keep-alive\r\n");
  out->append("\r\n");
}

void build_response_head(const MessageHead& head, int status, int client_minor, bool keep_alive,
                         std::string* out) {
  char code[8];
  auto res = std::to_chars(code, code + sizeof(code), status);
  out->append("HTTP/1.1 ");
  out->append(code, static_cast<size_t>(res.ptr - code));
  out->push_back(' ');
  out->append(head.target());
  out->append("\r\n");
  // RFC 9110 8.6 and RFC 9112 6.1: no Content-Length or Transfer-Encoding on a 1xx or 204. A
  // backend that sends one anyway would have a client that trusts it wait for a body that never
  // comes. A 304 keeps its Content-Length: it describes the representation (RFC 9110 8.6).
  append_end_to_end(head, status < 200 || status == 204 ? kOmitFraming : kOmitNone, out);
  if (!keep_alive) {
    out->append("Connection: close\r\n");
  } else if (client_minor == 0) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
}

}  // namespace percore::http
