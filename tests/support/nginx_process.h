// A private nginx for end-to-end tests: its own prefix directory with a generated config, one
// worker, on a free loopback port, error log in the directory, killed when the test ends.
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.h"

namespace percore::test {

class NginxProcess {
 public:
  // `locations` is pasted inside the server block (e.g. "location / { root DIR; }"); the
  // directory is available as $DIR in it. Starts nginx and waits until the port answers.
  explicit NginxProcess(const std::string& locations, const std::string& extra_http = "");
  ~NginxProcess();
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string error_log() const;
  void stop();

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// A free loopback TCP port (bound once and released, so a small race remains).
int free_port();

}  // namespace percore::test
