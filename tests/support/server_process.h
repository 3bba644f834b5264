// Starts the real `server` binary on 127.0.0.1 with an ephemeral port and a private log file, and
// waits for its ready line. Tests parameterised by backend pass a name from
// kEveryBackend (tests/support/backend_test.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace percore::test {

struct ServerProcess {
  std::unique_ptr<Process> process;
  int port = 0;
  int metrics_port = 0;
  std::string log_path;

  bool ok() const { return port > 0; }
  std::string metrics() const;  // the /metrics text, or "" when unreachable
  std::string log_text() const;
};

// Starts `server -a 127.0.0.1:0 --metrics 127.0.0.1:0 -o <tmp log> --io <io> <extra...>`.
ServerProcess start_server(const std::string& io, const std::vector<std::string>& extra);

}  // namespace percore::test
