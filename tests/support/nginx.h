// The private nginx the client tests drive: NginxProcess with a fixed site ("/" answers 200
// "hello\n", "/missing" 404, "/status" stub_status) and a way to read its counters.
#pragma once

#include <string>

#include "tests/support/nginx_process.h"

namespace percore::test {

struct NginxStatus {
  long accepts = -1;   // connections accepted
  long requests = -1;  // requests served
};

class Nginx {
 public:
  // `server_extra` goes into the server block (e.g. keepalive_requests).
  explicit Nginx(const std::string& server_extra = "");

  bool ok() const { return process_.ok(); }
  int port() const { return process_.port(); }
  std::string url(const std::string& path = "/") const;
  // Reads /status with curl; the fetch itself counts as one connection and one request.
  NginxStatus status() const;
  // Kills nginx now (to test a target dying mid-run).
  void kill() { process_.stop(); }

 private:
  NginxProcess process_;
};

}  // namespace percore::test
