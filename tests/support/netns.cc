#include "tests/support/netns.h"

#include <unistd.h>

#include "tests/support/process.h"

namespace percore::test {

Netns::Netns(const std::string& tag) : name_("pc-" + tag + "-" + std::to_string(getpid())) {
  if (geteuid() != 0) {
    error_ = "needs root to create a network namespace";
    return;
  }
  int status = 0;
  error_ = run_command("ip netns add " + name_, 10, &status);
  if (status != 0) return;
  created_ = true;
  error_ = run_command("ip -n " + name_ + " link set lo up", 10, &status);
  ok_ = status == 0;
}

Netns::~Netns() {
  int status = 0;
  if (created_) run_command("ip netns del " + name_, 10, &status);
}

std::vector<std::string> Netns::in(std::vector<std::string> argv) const {
  argv.insert(argv.begin(), {"ip", "netns", "exec", name_});
  return argv;
}

std::string Netns::run(const std::string& command, int timeout_s, int* status) const {
  return run_command(
      "ip netns exec " + name_ + " sh -c '" +
          [&] {
            std::string quoted;
            for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
            return quoted;
          }() +
          "'",
      timeout_s, status);
}

}  // namespace percore::test
