#include "core/http/request_target.h"

#include <http_parser.h>

#include <cstdint>

#include "core/http/message_head.h"

namespace percore::http {
namespace {

bool has(const http_parser_url& u, http_parser_url_fields f) {
  return (u.field_set & (1u << f)) != 0;
}

std::string_view field(std::string_view s, const http_parser_url& u, http_parser_url_fields f) {
  return s.substr(u.field_data[f].off, u.field_data[f].len);
}

}  // namespace

RequestProblem forward_target(std::string_view target, ForwardTarget* out) {
  *out = ForwardTarget{target, {}};
  // http-parser admits only a '/' (origin-form), '*' or a scheme letter at the start of a
  // request target; CONNECT's authority-form is refused before this.
  if (target.empty() || target[0] == '/' || target[0] == '*') return RequestProblem::kNone;
  // The parser's offsets are 16-bit: a longer target would be misread, not refused.
  if (target.size() > UINT16_MAX) return RequestProblem::kBadRequestTarget;
  http_parser_url u;
  http_parser_url_init(&u);
  if (http_parser_parse_url(target.data(), target.size(), 0, &u) != 0 || !has(u, UF_SCHEMA) ||
      !has(u, UF_HOST) || has(u, UF_USERINFO)) {
    return RequestProblem::kBadRequestTarget;
  }
  std::string_view scheme = field(target, u, UF_SCHEMA);
  if (!equals_nocase(scheme, "http") && !equals_nocase(scheme, "https")) {
    return RequestProblem::kBadRequestTarget;
  }
  size_t start = u.field_data[UF_SCHEMA].off + scheme.size();
  if (target.substr(start, 3) != "://") return RequestProblem::kBadRequestTarget;
  start += 3;
  // The authority ends with the port, or the host and an IPv6 literal's closing bracket (the
  // parser's host excludes the brackets).
  size_t end = u.field_data[UF_HOST].off + u.field_data[UF_HOST].len;
  if (end < target.size() && target[end] == ']') ++end;
  if (has(u, UF_PORT)) end = u.field_data[UF_PORT].off + u.field_data[UF_PORT].len;
  std::string_view rest = target.substr(end);
  if (!rest.empty() && rest[0] != '/' && rest[0] != '?' && rest[0] != '#') {
    return RequestProblem::kBadRequestTarget;  // "host:" with an empty port, and the like
  }
  if (end <= start) return RequestProblem::kBadRequestTarget;
  out->authority = target.substr(start, end - start);
  // Path and query as they came; a fragment is never sent (RFC 9110 4.2.5).
  out->origin = rest.substr(0, rest.find('#'));
  return RequestProblem::kNone;
}

void append_target(const ForwardTarget& target, std::string* out) {
  if (!target.authority.empty() && (target.origin.empty() || target.origin[0] != '/')) {
    out->push_back('/');
  }
  out->append(target.origin);
}

}  // namespace percore::http
