// A private nginx for end-to-end tests: its own prefix and config in a temp dir, one worker, on a
// free loopback port, killed when the object goes away.
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.h"

namespace percore::test {

struct NginxStatus {
  long accepts = -1;   // connections accepted
  long requests = -1;  // requests served
};

class Nginx {
 public:
  // `locations`: extra server-block text; "/" returns 200 "hello\n", "/status" is stub_status,
  // "/missing" returns 404. `server_extra` goes into the server block (e.g. keepalive_requests).
  explicit Nginx(const std::string& server_extra = "");
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  // Reads /status with curl; the fetch itself counts as one connection and one request.
  NginxStatus status() const;
  // Kills nginx now (to test a target dying mid-run).
  void kill();

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

// A loopback TCP port nobody listens on right now.
int free_port();
// True once a TCP connect to 127.0.0.1:port succeeds, polling up to timeout_ms.
bool wait_for_port(int port, int timeout_ms);

}  // namespace percore::test
