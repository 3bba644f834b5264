#include "tests/support/nginx.h"

#include <sstream>

namespace percore::test {

Nginx::Nginx(const std::string& server_extra)
    : process_(server_extra +
               "\n    location / { return 200 \"hello\\n\"; }\n"
               "    location /missing { return 404; }\n"
               "    location /status { stub_status; }\n") {}

std::string Nginx::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
}

NginxStatus Nginx::status() const {
  int rc = 0;
  std::string out = run_command("curl -s " + url("/status"), 10, &rc);
  // "server accepts handled requests\n 12 12 34"
  NginxStatus s;
  size_t at = out.find("requests");
  if (at == std::string::npos) return s;
  std::istringstream in(out.substr(at + 8));
  long handled = 0;
  if (!(in >> s.accepts >> handled >> s.requests)) s = NginxStatus{};
  return s;
}

}  // namespace percore::test
