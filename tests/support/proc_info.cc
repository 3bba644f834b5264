#include "tests/support/proc_info.h"

#include <cstdlib>
#include <fstream>
#include <string>

namespace percore::test {

std::vector<pid_t> children_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> out;
  for (pid_t child; in >> child;) out.push_back(child);
  return out;
}

pid_t first_child(pid_t pid) {
  std::vector<pid_t> children = children_of(pid);
  return children.empty() ? -1 : children.front();
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

void reuse_freed_memory_under_asan() {
#ifdef __SANITIZE_ADDRESS__
  const char* now = std::getenv("ASAN_OPTIONS");
  std::string options = now != nullptr ? now : "";
  if (options.find("quarantine_size_mb") == std::string::npos) {
    options += std::string(options.empty() ? "" : ":") + "quarantine_size_mb=0";
    setenv("ASAN_OPTIONS", options.c_str(), 1);
  }
#endif
}

}  // namespace percore::test
