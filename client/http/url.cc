// URL parsing for `client http URL`: only what a load test against a numeric address needs.
#include "client/http/url.h"

#include <fmt/format.h>

#include <cctype>

#include "core/util/printable.h"

namespace percore::client {

namespace {

bool parse_url_raw(std::string_view text, Url* out, std::string* error) {
  constexpr std::string_view kScheme = "http://";
  // Schemes are case-insensitive (RFC 3986 3.1): HTTP:// is http://.
  std::string scheme(text.substr(0, 8));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https://") {
    *error = fmt::format("bad URL '{}': https is not supported, use http://", text);
    return false;
  }
  if (std::string_view(scheme).substr(0, kScheme.size()) != kScheme) {
    *error = fmt::format("bad URL '{}': expected http://host[:port]/path", text);
    return false;
  }
  std::string_view rest = text.substr(kScheme.size());
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view target = slash == std::string_view::npos ? "/" : rest.substr(slash);
  if (size_t hash = target.find('#'); hash != std::string_view::npos)
    target = target.substr(0, hash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    *error = fmt::format("bad URL '{}': expected http://host[:port]/path", text);
    return false;
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      *error = fmt::format("bad URL '{}': spaces and control characters must be %-encoded", text);
      return false;
    }
  }
  // A port-less authority gets :80; "[v6]" and "host" need the port appended the same way.
  std::string with_port(authority);
  bool bracketed = authority.front() == '[';
  size_t close = authority.find(']');
  bool has_port = bracketed ? (close != std::string_view::npos && close + 1 < authority.size())
                            : authority.find(':') != std::string_view::npos;
  if (!has_port) with_port += ":80";
  std::string addr_error;
  if (!net::parse_address(with_port, &out->address, &addr_error)) {
    *error = fmt::format(
        "bad URL '{}': {} (the host must be a numeric IP or localhost: the "
        "client does no DNS)",
        text, addr_error);
    return false;
  }
  if (out->address.port() == 0) {
    *error = fmt::format("bad URL '{}': the port must not be 0", text);
    return false;
  }
  add_localhost_alternatives(authority, out);
  out->host_header = std::string(authority);
  out->target = target.empty() ? "/" : std::string(target);
  if (out->target.front() == '?') out->target = "/" + out->target;
  return true;
}

}  // namespace

void add_localhost_alternatives(std::string_view authority, Url* url) {
  url->alternatives.clear();
  std::string host(authority.substr(0, authority.rfind(':')));
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host != "localhost") return;
  // localhost is 127.0.0.1 (parse_address) and also ::1: a server may listen on only one.
  net::Address v6;
  std::string ignored;
  if (net::parse_address(fmt::format("[::1]:{}", url->address.port()), &v6, &ignored)) {
    url->alternatives.push_back(v6);
  }
}

bool parse_url(std::string_view text, Url* out, std::string* error) {
  if (parse_url_raw(text, out, error)) return true;
  *error = util::printable(*error);  // the URL is quoted and may hold a newline
  return false;
}

}  // namespace percore::client
