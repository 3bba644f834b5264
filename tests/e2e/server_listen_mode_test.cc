// The server's --listen-mode choices, on both backends: how many listening sockets the port has,
// that every mode serves, which worker gets a connection in `cpu` mode, that shared-exclusive
// really registers with EPOLLEXCLUSIVE, and the accept-balance figure in /metrics and -v.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/epoll.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/proc/kernel.h"
#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/proc_info.h"
#include "tests/support/process.h"

namespace percore::test {
namespace {

// Listening TCP sockets on the port, as `ss -ltn` shows them (each SO_REUSEPORT member counts).
int count_listeners(int port) {
  int status = 0;
  std::string out =
      run_command("ss -Hltn 'sport = :" + std::to_string(port) + "' | grep -c LISTEN", 10, &status);
  return std::atoi(out.c_str());
}

// True when some epoll instance of the process watches an fd with EPOLLEXCLUSIVE (fdinfo shows
// the registered event mask, exclusive bit included).
bool has_exclusive_registration(int pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  while (dirent* e = readdir(d)) {
    std::ifstream in(dir + "/" + e->d_name);
    std::string line;
    while (std::getline(in, line)) {
      unsigned events = 0;
      size_t at = line.find("events:");
      if (line.rfind("tfd:", 0) != 0 || at == std::string::npos) continue;
      if (std::sscanf(line.c_str() + at, "events: %x", &events) == 1 &&
          (events & EPOLLEXCLUSIVE) != 0) {
        found = true;
      }
    }
  }
  closedir(d);
  return found;
}

// n connections, one request each, made from a thread pinned to `cpu` (-1: not pinned).
int requests_from_cpu(int port, int n, int cpu) {
  int ok = 0;
  std::thread t([&] {
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      if (sched_setaffinity(0, sizeof(set), &set) != 0) return;
    }
    for (int i = 0; i < n; ++i) ok += http_get(port, "/").status == 200;
  });
  t.join();
  return ok;
}

void wait_for_restart(const ServerProcess& server) {
  for (int i = 0; i < 50 && server.log_text().find("is listening again") == std::string::npos;
       ++i) {
    usleep(100000);
  }
  usleep(300000);
}

class ServerListenMode : public BackendTest {};

TEST_P(ServerListenMode, ReuseportGivesEachWorkerAListenerAndSpreadsAccepts) {
  start({"--listen-mode", "reuseport"});
  EXPECT_EQ(count_listeners(server_.port), 2);
  ASSERT_EQ(requests_from_cpu(server_.port, 300, -1), 300);
  std::string m = server_.metrics();
  EXPECT_GT(metric_value(m, "percore_accepted_total", "0"), 0) << m;
  EXPECT_GT(metric_value(m, "percore_accepted_total", "1"), 0) << m;
  EXPECT_NE(m.find("percore_accept_balance_ratio "), std::string::npos);
  EXPECT_EQ(m.find("percore_accept_balance_ratio +Inf"), std::string::npos) << m;
}

TEST_P(ServerListenMode, SharedModesHaveOneListenerAndServeEveryConnection) {
  for (const char* mode : {"shared", "shared-exclusive"}) {
    SCOPED_TRACE(mode);
    start({"--listen-mode", mode});
    EXPECT_EQ(count_listeners(server_.port), 1);
    EXPECT_EQ(requests_from_cpu(server_.port, 200, -1), 200);
    EXPECT_EQ(metric_sum(server_.metrics(), "percore_accepted_total"), 200);
    // A worker that dies is replaced and accepts from the same inherited listener.
    std::vector<int> workers = children_of(server_.process->pid());
    ASSERT_EQ(workers.size(), 2u);
    kill(workers[0], SIGKILL);
    // Wait until the replacement is listening and the dead worker's io_uring instance is gone:
    // until the kernel has torn it down, its armed multishot accept can still take a connection
    // off the shared queue and drop it with the ring.
    wait_for_restart(server_);
    EXPECT_EQ(requests_from_cpu(server_.port, 50, -1), 50);
    EXPECT_EQ(count_listeners(server_.port), 1);
    server_.process->kill_all();
  }
}

TEST_P(ServerListenMode, SharedExclusiveRegistersWithEpollExclusive) {
  if (GetParam() != "epoll") GTEST_SKIP() << "io_uring arms accept's poll exclusively by itself";
  start({"--listen-mode", "shared-exclusive"});
  std::vector<int> workers = children_of(server_.process->pid());
  ASSERT_EQ(workers.size(), 2u);
  for (int pid : workers) EXPECT_TRUE(has_exclusive_registration(pid)) << pid;
  server_.process->kill_all();
  start({"--listen-mode", "shared"});
  for (int pid : children_of(server_.process->pid())) {
    EXPECT_FALSE(has_exclusive_registration(pid)) << pid;
  }
}

// SO_INCOMING_CPU: on loopback the SYN is processed on the connecting thread's CPU, so a client
// pinned to CPU c lands on the worker pinned to c; in reuseport mode the same client is hashed.
TEST_P(ServerListenMode, CpuModeSendsConnectionsToTheWorkerOnTheClientsCpu) {
  if (!proc::kernel_at_least(6, 1))
    GTEST_SKIP() << "SO_INCOMING_CPU steers reuseport groups from 6.1";
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  if (!CPU_ISSET(0, &set) || !CPU_ISSET(1, &set)) GTEST_SKIP() << "needs CPUs 0 and 1";
  start({"--listen-mode", "cpu", "-c", "0"});
  ASSERT_EQ(requests_from_cpu(server_.port, 100, 0), 100);
  std::string m = server_.metrics();
  EXPECT_EQ(metric_value(m, "percore_accepted_total", "0"), 100) << m;
  EXPECT_EQ(metric_value(m, "percore_accepted_total", "1"), 0) << m;
  ASSERT_EQ(requests_from_cpu(server_.port, 100, 1), 100);
  m = server_.metrics();
  EXPECT_EQ(metric_value(m, "percore_accepted_total", "1"), 100) << m;
  EXPECT_NE(m.find("percore_accept_balance_ratio 1.0000"), std::string::npos) << m;

  // Restarted worker: its new listener carries its CPU again, nothing else to redo.
  std::vector<int> workers = children_of(server_.process->pid());
  ASSERT_EQ(workers.size(), 2u);
  kill(workers[1], SIGKILL);
  wait_for_restart(server_);
  ASSERT_EQ(requests_from_cpu(server_.port, 50, 1), 50);
  EXPECT_EQ(metric_value(server_.metrics(), "percore_accepted_total", "1"), 150);

  server_.process->kill_all();
  start({"--listen-mode", "reuseport", "-c", "0"});
  ASSERT_EQ(requests_from_cpu(server_.port, 100, 0), 100);
  m = server_.metrics();
  EXPECT_GT(metric_value(m, "percore_accepted_total", "1"), 0) << "reuseport should hash: " << m;
}

TEST_P(ServerListenMode, VerboseLinesShowAcceptsPerWorkerAndTheRatio) {
  start({"--listen-mode", "reuseport", "-v"});
  ASSERT_EQ(requests_from_cpu(server_.port, 20, -1), 20);
  std::string line = server_.process->wait_for_line("accepted per worker", 3000);
  EXPECT_NE(line.find("max/min"), std::string::npos) << line;
  server_.process->signal(SIGTERM);
  ASSERT_EQ(server_.process->wait_exit(15000), 0);
  EXPECT_NE(server_.process->stdout_text().find("accept balance max/min"), std::string::npos);
}

PERCORE_ON_EVERY_BACKEND(ServerListenMode);

}  // namespace
}  // namespace percore::test
