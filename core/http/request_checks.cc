#include "core/http/request_checks.h"

#include "core/http/head_scanner.h"

namespace percore::http {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Field values may hold visible characters, SP, HTAB and obs-text; no other control bytes.
bool valid_value(std::string_view value) {
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// 1*DIGIT that fits comfortably in 64 bits. No sign, no list ("5, 5"), no spaces inside.
bool parse_length(std::string_view v, uint64_t* out) {
  v = trim_ows(v);
  if (v.empty() || v.size() > 18) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

}  // namespace

RequestProblem check_request(const MessageHead& head, int http_minor, RequestFraming* framing) {
  int lengths = 0, encodings = 0, hosts = 0;
  *framing = RequestFraming{};
  for (size_t i = 0; i < head.field_count(); ++i) {
    std::string_view name = head.name(i);
    std::string_view value = head.value(i);
    if (!valid_name(name)) return RequestProblem::kBadHeaderName;
    if (!valid_value(value)) return RequestProblem::kBadHeaderValue;
    if (equals_nocase(name, "content-length")) {
      if (++lengths > 1) return RequestProblem::kDuplicateContentLength;
      if (!parse_length(value, &framing->content_length)) {
        return RequestProblem::kInvalidContentLength;
      }
      framing->has_length = true;
    } else if (equals_nocase(name, "transfer-encoding")) {
      // Only "chunked" alone: a proxy that accepted other codings would have to forward them to
      // a backend that may read the body differently. A second header counts as a list.
      // No trailing whitespace either: http-parser reads "chunked\t" as not chunked, and the
      // proxy and its parser must agree on the framing.
      if (++encodings > 1 || !equals_nocase(value, "chunked")) {
        return RequestProblem::kBadTransferEncoding;
      }
      framing->chunked = true;
    } else if (equals_nocase(name, "host")) {
      ++hosts;
    }
  }
  if (lengths > 0 && encodings > 0) return RequestProblem::kContentLengthAndTransferEncoding;
  if (hosts > 1 || (hosts == 0 && http_minor >= 1)) return RequestProblem::kMissingOrDuplicateHost;
  return RequestProblem::kNone;
}

}  // namespace percore::http
