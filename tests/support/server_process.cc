#include "tests/support/server_process.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/support/http_client.h"

namespace percore::test {

std::string ServerProcess::metrics() const {
  Response r = http_get(metrics_port, "/metrics");
  return r.status == 200 ? r.body : "";
}

std::string ServerProcess::log_text() const {
  std::ifstream in(log_path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ServerProcess start_server(const std::string& io, const std::vector<std::string>& extra) {
  static int counter = 0;
  ServerProcess s;
  s.log_path =
      "/tmp/percore-test-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + ".log";
  unlink(s.log_path.c_str());
  std::vector<std::string> argv = {PERCORE_SERVER_BIN, "-a",          "127.0.0.1:0",
                                   "--metrics",        "127.0.0.1:0", "-o",
                                   s.log_path,         "--io",        io};
  argv.insert(argv.end(), extra.begin(), extra.end());
  s.process = std::make_unique<Process>(argv);
  std::string ready = s.process->wait_for_line("percore: ready", 10000);
  std::string metrics = s.process->wait_for_line("percore: metrics", 2000);
  s.port = ready_port(ready);
  // "percore: metrics http://127.0.0.1:PORT/metrics"
  size_t colon = metrics.rfind(':');
  if (colon != std::string::npos) s.metrics_port = std::atoi(metrics.c_str() + colon + 1);
  return s;
}

}  // namespace percore::test
