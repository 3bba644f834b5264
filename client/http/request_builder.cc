// Request bytes for `client http`.
#include "client/http/request_builder.h"

#include <fmt/format.h>
#include <strings.h>

namespace percore::client {
namespace {

bool has_header(const Options& o, std::string_view name) {
  for (const std::string& h : o.headers) {
    if (h.size() > name.size() && h[name.size()] == ':' &&
        strncasecmp(h.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string build_request(const Options& o) {
  std::string r = fmt::format("{} {} HTTP/1.1\r\n", o.method, o.url.target);
  if (!has_header(o, "host")) r += fmt::format("Host: {}\r\n", o.url.host_header);
  if (!has_header(o, "user-agent")) r += "User-Agent: percore-client\r\n";
  for (const std::string& h : o.headers) {
    // Normalise "Name:value" and "Name:  value" to one space.
    size_t colon = h.find(':');
    size_t value = h.find_first_not_of(" \t", colon + 1);
    r += fmt::format("{}: {}\r\n", h.substr(0, colon),
                     value == std::string::npos ? "" : h.substr(value));
  }
  if (!o.body.empty() && !has_header(o, "content-length")) {
    r += fmt::format("Content-Length: {}\r\n", o.body.size());
  }
  if (!o.keepalive && !has_header(o, "connection")) r += "Connection: close\r\n";
  r += "\r\n";
  r += o.body;
  return r;
}

std::string repeat_request(const std::string& request, int copies) {
  std::string out;
  out.reserve(request.size() * static_cast<size_t>(copies));
  for (int i = 0; i < copies; ++i) out += request;
  return out;
}

}  // namespace percore::client
