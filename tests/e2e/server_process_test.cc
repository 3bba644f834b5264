// The process model: flags and exit codes, worker placement and restart, signals.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "core/net/socket.h"
#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/proc_info.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string cpus_allowed(pid_t pid) {
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Cpus_allowed_list:", 0) == 0) return line.substr(line.find_last_of(" \t") + 1);
  }
  return "";
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ServerProcess, BadFlagIsOneLineAndExitCode2) {
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"--no-such-flag"},
                                             {"-w", "zero"},
                                             {"-a", "1.2.3:80"},
                                             {"-a", "127.0.0.1:99999"},
                                             {"--io", "kqueue"},
                                             {"extra-argument"},
                                             {"-w", "0"},
                                             {"--mode", "proxy"},
                                             {"--mode", "http", "-x", "127.0.0.1:1"},
                                             {"-w", "1.5"},
                                             {"-a", "127.0.0.1:1", "-a", "127.0.0.1:1"},
                                             {"-o", "/nonexistent/dir/x.log"}}) {
    args.insert(args.begin(), PERCORE_SERVER_BIN);
    Process p(args);
    int status = p.wait_exit(5000);
    EXPECT_EQ(exit_code(status), 2) << args[1];
    std::string err = p.stderr_text();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(err.rfind("server: ", 0), 0u) << err;
  }
}

TEST(ServerProcess, HelpExitsZero) {
  Process p({PERCORE_SERVER_BIN, "--help"});
  EXPECT_EQ(exit_code(p.wait_exit(5000)), 0);
  EXPECT_NE(p.stdout_text().find("--workers"), std::string::npos);
}

TEST(ServerProcess, AddressInUseIsExitCode1AndLeavesNothingBehind) {
  // A plain (not SO_REUSEPORT) listener holds the port.
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(holder, 8), 0);
  socklen_t len = sizeof(addr);
  getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string where = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  Process p({PERCORE_SERVER_BIN, "-w", "2", "-a", where, "-o", "/dev/null"});
  EXPECT_EQ(exit_code(p.wait_exit(5000)), 1);
  std::string err = p.stderr_text();
  EXPECT_NE(err.find("Address already in use"), std::string::npos) << err;
  EXPECT_NE(::kill(-p.pid(), 0), 0) << "a process of the server is still running";
  close(holder);
}

// SO_REUSEPORT would let a second server join the first one's group and take half its
// connections; it must say the address is in use unless told to join (hitless restart).
TEST(ServerProcess, SecondServerOnTheSamePortExitsOneUnlessAskedToJoin) {
  ServerProcess first = start_server("epoll", {"-w", "1"});
  ASSERT_TRUE(first.ok()) << first.process->stderr_text();
  std::string where = "127.0.0.1:" + std::to_string(first.port);
  Process second({PERCORE_SERVER_BIN, "-w", "1", "-a", where, "-o", "/dev/null"});
  EXPECT_EQ(exit_code(second.wait_exit(5000)), 1);
  std::string err = second.stderr_text();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(where), std::string::npos) << err;
  EXPECT_NE(err.find("Address already in use"), std::string::npos) << err;

  Process joined({PERCORE_SERVER_BIN, "-w", "1", "-a", where, "-o", "/dev/null", "--join-running"});
  EXPECT_NE(joined.wait_for_line("percore: ready", 10000), "") << joined.stderr_text();
  joined.kill_all();
}

TEST(ServerProcess, BothWorkersTakeConnections) {
  ServerProcess s = start_server("epoll", {"-w", "2"});
  ASSERT_TRUE(s.ok()) << s.process->stderr_text();
  int status = 0;
  std::string out =
      run_command("ab -n 4000 -c 20 http://127.0.0.1:" + std::to_string(s.port) + "/", 60, &status);
  ASSERT_EQ(status, 0) << out;
  std::string m = s.metrics();
  EXPECT_GT(metric_value(m, "percore_accepted_total", "0"), 0) << m;
  EXPECT_GT(metric_value(m, "percore_accepted_total", "1"), 0) << m;
}

TEST(ServerProcess, KilledWorkerComesBackOnTheSameCore) {
  ServerProcess s = start_server("epoll", {"-w", "2", "-k"});
  ASSERT_TRUE(s.ok()) << s.process->stderr_text();
  std::vector<pid_t> before = children_of(s.process->pid());
  ASSERT_EQ(before.size(), 2u);
  std::string core = cpus_allowed(before[0]);
  ASSERT_FALSE(core.empty());
  ASSERT_EQ(::kill(before[0], SIGKILL), 0);
  // Connections already queued on the dying worker's listener are reset by the kernel (unless
  // net.ipv4.tcp_migrate_req is on); once it is gone, the other worker must answer everything,
  // also while the replacement starts.
  for (int i = 0;
       i < 200 &&
       read_file("/proc/" + std::to_string(before[0]) + "/stat").find(") Z") == std::string::npos;
       ++i) {
    if (access(("/proc/" + std::to_string(before[0])).c_str(), F_OK) != 0) break;
    usleep(5000);
  }
  pid_t replacement = 0;
  for (int i = 0; i < 100 && replacement == 0; ++i) {
    EXPECT_EQ(http_get(s.port, "/").status, 200);
    for (pid_t c : children_of(s.process->pid())) {
      if (c != before[0] && c != before[1]) replacement = c;
    }
    if (replacement == 0) usleep(10000);
  }
  ASSERT_NE(replacement, 0) << "no replacement worker within a second";
  // The new process pins itself first thing; give it a moment to get there.
  std::string pinned;
  for (int i = 0; i < 100 && (pinned = cpus_allowed(replacement)) != core; ++i) usleep(10000);
  EXPECT_EQ(pinned, core);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(http_get(s.port, "/").status, 200);
  EXPECT_NE(s.log_text().find("killed by signal 9"), std::string::npos) << s.log_text();
  std::string m = s.metrics();
  EXPECT_NE(m.find("percore_worker_starts_total{worker=\"0\",cpu=\"" + core + "\"} 2"),
            std::string::npos)
      << m;
}

TEST(ServerProcess, SigtermUnderLoadExitsZeroWithinDrainTimeout) {
  ServerProcess s = start_server("epoll", {"-w", "2", "-k", "--drain-timeout", "3"});
  ASSERT_TRUE(s.ok()) << s.process->stderr_text();
  int status = 0;
  std::thread load([&] {
    run_command("wrk -t1 -c20 -d4s http://127.0.0.1:" + std::to_string(s.port) + "/", 30, &status);
  });
  usleep(1000000);
  auto start = std::chrono::steady_clock::now();
  s.process->signal(SIGTERM);
  int code = s.process->wait_exit(6000);
  auto took = std::chrono::steady_clock::now() - start;
  load.join();
  EXPECT_EQ(exit_code(code), 0) << s.process->stderr_text();
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_NE(s.process->stdout_text().find("percore: summary"), std::string::npos);
}

TEST(ServerProcess, SecondInterruptStopsAtOnce) {
  ServerProcess s = start_server("epoll", {"-w", "2", "-k", "--drain-timeout", "30"});
  ASSERT_TRUE(s.ok());
  // An open connection with a half-sent request keeps the drain from finishing by itself.
  int fd = connect_loopback(s.port);
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\n"));
  usleep(100000);
  s.process->signal(SIGINT);
  usleep(200000);
  EXPECT_TRUE(s.process->running());
  s.process->signal(SIGINT);
  EXPECT_NE(s.process->wait_exit(2000), -1) << "still running after the second SIGINT";
  close(fd);
}

TEST(ServerProcess, Usr1ReopensTheLogFile) {
  ServerProcess s = start_server("epoll", {"-w", "1"});
  ASSERT_TRUE(s.ok());
  std::string moved = s.log_path + ".1";
  ASSERT_EQ(rename(s.log_path.c_str(), moved.c_str()), 0);
  s.process->signal(SIGUSR1);
  bool reopened = false;
  for (int i = 0; i < 100 && !reopened; ++i) {
    usleep(20000);
    reopened = access(s.log_path.c_str(), F_OK) == 0;
  }
  EXPECT_TRUE(reopened);
  unlink(moved.c_str());
}

}  // namespace
}  // namespace percore::test

namespace percore::test {
namespace {

long cpu_ticks(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::atol(field.c_str());
    if (i == 15) stime = std::atol(field.c_str());
  }
  return utime + stime;
}

class ServerFdLimit : public ::testing::TestWithParam<std::string> {};

TEST_P(ServerFdLimit, RunningOutOfFileDescriptorsDoesNotSpin) {
  std::string why = backend_skip_reason(GetParam());
  if (!why.empty()) GTEST_SKIP() << why;
  // A hard limit of 40 descriptors: a few go to the process itself, the rest to clients.
  std::string log = "/tmp/percore-emfile-" + std::to_string(getpid()) + ".log";
  Process p({"prlimit", "--nofile=40:40", PERCORE_SERVER_BIN, "-w", "1", "-k", "-a", "127.0.0.1:0",
             "-o", log, "--io", GetParam()});
  int port = ready_port(p.wait_for_line("percore: ready", 10000));
  ASSERT_GT(port, 0) << p.stderr_text();
  std::vector<pid_t> workers = children_of(p.pid());
  ASSERT_EQ(workers.size(), 1u);
  std::vector<int> fds;
  for (int i = 0; i < 80; ++i) {
    int fd = connect_loopback(port);  // the kernel completes the handshake; accept() cannot
    if (fd >= 0) fds.push_back(fd);
  }
  usleep(300000);
  long before = cpu_ticks(workers[0]);
  usleep(1000000);
  long used = cpu_ticks(workers[0]) - before;
  EXPECT_LT(used, 20) << "the worker burned " << used << " ticks in a second at the fd limit";
  for (int fd : fds) close(fd);
  // Once descriptors free up, the server serves again.
  Response r;
  for (int i = 0; i < 50 && r.status != 200; ++i) {
    r = http_get(port, "/");
    if (r.status != 200) usleep(100000);
  }
  EXPECT_EQ(r.status, 200);
  std::string text = read_file(log);
  EXPECT_NE(text.find("fd limit"), std::string::npos) << text;
  unlink(log.c_str());
}

PERCORE_ON_EVERY_BACKEND(ServerFdLimit);

}  // namespace
}  // namespace percore::test
