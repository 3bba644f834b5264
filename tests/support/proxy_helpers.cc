#include "tests/support/proxy_helpers.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace percore::test {

ServerProcess start_proxy(const std::string& io, const std::vector<std::string>& backends,
                          std::vector<std::string> extra) {
  std::vector<std::string> args;
  for (const std::string& b : backends) {
    args.push_back("-x");
    args.push_back(b);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return start_server(io, args);
}

std::unique_ptr<Process> start_http_backend(int port, const std::vector<std::string>& extra) {
  std::string log =
      "/tmp/percore-backend-" + std::to_string(getpid()) + "-" + std::to_string(port) + ".log";
  std::vector<std::string> argv = {
      PERCORE_SERVER_BIN, "-a", "127.0.0.1:" + std::to_string(port), "-w", "1", "-k", "-o", log};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = std::make_unique<Process>(argv);
  if (p->wait_for_line("percore: ready", 10000).empty()) return nullptr;
  return p;
}

long long backend_metric(const std::string& text, const std::string& name,
                         const std::string& backend) {
  std::istringstream in(text);
  std::string line;
  long long sum = -1;
  std::string label = "backend=\"" + backend + "\"}";
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0 || line.find(label) == std::string::npos) continue;
    sum = (sum < 0 ? 0 : sum) + std::atoll(line.c_str() + line.rfind(' ') + 1);
  }
  return sum;
}

long worker_peak_rss_kib(const Process& master) {
  int status = 0;
  std::string kids = run_command("pgrep -P " + std::to_string(master.pid()), 5, &status);
  std::istringstream in(kids);
  long peak = 0;
  for (std::string pid; in >> pid;) {
    std::ifstream st("/proc/" + pid + "/status");
    for (std::string line; std::getline(st, line);) {
      if (line.rfind("VmHWM:", 0) == 0) peak = std::max(peak, std::atol(line.c_str() + 6));
    }
  }
  return peak;
}

}  // namespace percore::test
