// Restarts that lose nothing: a new server starts on the same port while the old one runs (both
// SO_REUSEPORT), then the old one gets SIGTERM. In a network namespace the test creates, with
// net.ipv4.tcp_migrate_req=1, the connections queued on the old listeners move to the new ones
// when they close, and the old server answers what it already read with Connection: close, so
// wrk across the switch-over sees no socket error and no non-2xx answer. To make the switch
// exercise the queues, the old workers are held (SIGSTOP) for a moment before the SIGTERM, as a
// busy server would be, so connections pile up in their accept queues.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/process.h"

namespace percore::test {
namespace {

class Namespace {
 public:
  Namespace() : name_("pc-rst-" + std::to_string(getpid() % 100000)) {
    int status = 0;
    error_ = run_command("ip netns add " + name_, 10, &status);
    if (status != 0) return;
    created_ = true;
    error_ = run_command("ip -n " + name_ + " link set lo up && ip netns exec " + name_ +
                             " sysctl -qw net.ipv4.tcp_migrate_req=1",
                         10, &status);
    ok_ = status == 0;
  }
  ~Namespace() {
    int status = 0;
    if (created_) run_command("ip netns del " + name_, 10, &status);
  }
  bool created() const { return created_; }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  std::vector<std::string> in(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"ip", "netns", "exec", name_});
    return argv;
  }

 private:
  std::string name_;
  std::string error_;
  bool created_ = false;
  bool ok_ = false;
};

long long first_number(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return 0;
  return std::stoll(m[1]);
}

std::vector<pid_t> children_of(pid_t pid) {
  int status = 0;
  std::istringstream in(run_command("pgrep -P " + std::to_string(pid), 5, &status));
  std::vector<pid_t> out;
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

class ServerRestart : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const char* tool : {"ip", "wrk", "pgrep", "sysctl"}) {
      if (!have_program(tool)) GTEST_SKIP() << tool << " is not installed";
    }
  }
};

TEST_P(ServerRestart, NewServerTakesOverWithoutErrors) {
  Namespace ns;
  if (!ns.created()) {
    GTEST_SKIP() << "cannot create network namespaces here (needs root or CAP_NET_ADMIN): "
                 << ns.error();
  }
  if (!ns.ok())
    GTEST_SKIP() << "net.ipv4.tcp_migrate_req unavailable (kernel < 5.14?): " << ns.error();
  const std::string tag = std::to_string(getpid());
  auto server = [&](const std::string& which) {
    return std::make_unique<Process>(
        ns.in({PERCORE_SERVER_BIN, "-a", "127.0.0.1:8080", "-w", "2", "-k", "--drain-timeout", "5",
               "--join-running", "-o", "/tmp/percore-restart-" + tag + "-" + which + ".log"}));
  };
  auto old_server = server("old");
  ASSERT_NE(old_server->wait_for_line("percore: ready", 10000), "") << old_server->stderr_text();

  std::vector<std::string> wrk = {"wrk", "-t1", "-c50", "-d4s"};
  if (GetParam() == "close") wrk.insert(wrk.end(), {"-H", "Connection: close"});
  wrk.push_back("http://127.0.0.1:8080/");
  Process load(ns.in(wrk));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));

  auto new_server = server("new");
  ASSERT_NE(new_server->wait_for_line("percore: ready", 10000), "") << new_server->stderr_text();
  std::vector<pid_t> workers = children_of(old_server->pid());
  ASSERT_EQ(workers.size(), 2u);
  for (pid_t w : workers) kill(w, SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  old_server->signal(SIGTERM);  // the master passes it on; the workers see it when they run again
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (pid_t w : workers) kill(w, SIGCONT);
  EXPECT_EQ(old_server->wait_exit(15000), 0) << old_server->stderr_text();

  ASSERT_EQ(load.wait_exit(30000), 0);
  const std::string& out = load.stdout_text();
  EXPECT_GT(first_number(out, "(\\d+) requests in"), 1000) << out;
  EXPECT_EQ(out.find("Socket errors"), std::string::npos) << out;
  EXPECT_EQ(out.find("Non-2xx"), std::string::npos) << out;
  // The new server is alive and answering after the switch.
  int status = 0;
  std::string after = run_command("ip netns exec pc-rst-" + std::to_string(getpid() % 100000) +
                                      " wrk -t1 -c2 -d1s http://127.0.0.1:8080/",
                                  20, &status);
  EXPECT_GT(first_number(after, "(\\d+) requests in"), 100) << after;
  new_server->kill_all();
}

INSTANTIATE_TEST_SUITE_P(Wrk, ServerRestart, ::testing::Values("keepalive", "close"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace percore::test
