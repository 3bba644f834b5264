// End-to-end tests of `client echo` and `client sweep` against `server --mode echo` on both
// backends (client and server on the same one): clean runs whose byte counts agree with the
// server's /metrics, a corrupting echo target that must be caught, and the sweep's outputs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/backend_test.h"
#include "tests/support/client_run.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

// An echo target that flips one byte in every 4096 it echoes: a broken middlebox in miniature.
class CorruptingEcho {
 public:
  CorruptingEcho() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        listen(listen_fd_, 64) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CorruptingEcho() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  // One thread polls the listener and every connection, so the test owns nothing else.
  void serve() {
    std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
    std::vector<uint64_t> offsets = {0};
    char buf[65536];
    while (!stop_.load()) {
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      for (size_t i = fds.size(); i-- > 0;) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        if (i == 0) {
          int c = accept(listen_fd_, nullptr, nullptr);
          if (c >= 0) {
            fds.push_back({c, POLLIN, 0});
            offsets.push_back(0);
          }
          continue;
        }
        ssize_t n = recv(fds[i].fd, buf, sizeof(buf), 0);
        if (n <= 0) {
          close(fds[i].fd);
          fds.erase(fds.begin() + static_cast<long>(i));
          offsets.erase(offsets.begin() + static_cast<long>(i));
          continue;
        }
        for (ssize_t k = 0; k < n; ++k) {
          if ((offsets[i] + static_cast<uint64_t>(k)) % 4096 == 100) buf[k] ^= 0x20;
        }
        offsets[i] += static_cast<uint64_t>(n);
        // Blocking send of a small echo: the client reads everything, so this never stalls.
        send(fds[i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) close(fds[i].fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ClientEcho : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
  }
  void start() {
    server_ = start_server(GetParam(), {"--mode", "echo", "-w", "1"});
    ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(server_.port); }
  std::string io() const { return " --io " + GetParam() + " "; }

  // The server's byte counters once they stop moving (its send completions can trail the
  // client's last read).
  void server_bytes(long long* in, long long* out) {
    long long last_in = -1, last_out = -1;
    for (int i = 0; i < 50; ++i) {
      std::string m = server_.metrics();
      *in = metric_sum(m, "percore_bytes_in_total");
      *out = metric_sum(m, "percore_bytes_out_total");
      if (*in == last_in && *out == last_out) return;
      last_in = *in;
      last_out = *out;
      usleep(50000);
    }
  }

  // What the client counted and what the server counted differ by at most what was in flight
  // when the client closed: sends it had not seen complete, echoes it had not read.
  void expect_counters_agree(const nlohmann::json& j, long long slack) {
    long long in = 0, out = 0;
    server_bytes(&in, &out);
    auto client_out = j["bytes"]["out"].get<long long>();
    auto client_in = j["bytes"]["in"].get<long long>();
    EXPECT_GT(client_in, 0);
    EXPECT_GE(in, client_out);
    EXPECT_LE(in - client_out, slack) << "server in " << in << ", client out " << client_out;
    EXPECT_LE(std::llabs(out - client_in), slack)
        << "server out " << out << ", client in " << client_in;
  }

  ServerProcess server_;
};

TEST_P(ClientEcho, RequestResponseRunsCleanAndAgreesWithServerCounters) {
  start();
  ClientRun run = run_client_mode("echo", io() + "-c 8 -t 1 -d 1s -l 100 " + target());
  ASSERT_EQ(run.status, 0) << run.output;
  const nlohmann::json& j = run.json;
  EXPECT_EQ(j["mode"], "echo");
  EXPECT_EQ(j["backend"], GetParam());
  EXPECT_EQ(j["echo"]["pattern"], "rr");
  EXPECT_EQ(j["errors"]["total"], 0) << run.output;
  EXPECT_GT(j["requests"].get<long>(), 500) << run.output;
  EXPECT_EQ(j["connections"]["established"], 8);
  // rr: one message per connection at most is unfinished at the end.
  auto sent = j["sent"].get<long>();
  EXPECT_EQ(sent,
            j["requests"].get<long>() + j["lost"].get<long>() + j["in_flight_at_end"].get<long>());
  EXPECT_LE(j["in_flight_at_end"].get<long>(), 8);
  EXPECT_GE(j["bytes"]["in"].get<long>(), j["requests"].get<long>() * 100);
  EXPECT_GT(j["latency_us"]["p50"].get<double>(), 0);
  expect_counters_agree(j, 8 * 100);
}

TEST_P(ClientEcho, StreamRunsCleanWithinItsWindowAndAgreesWithServerCounters) {
  start();
  ClientRun run = run_client_mode(
      "echo", io() + "--pattern stream -l 1k --window 16k -c 16 -t 1 -d 1s " + target());
  ASSERT_EQ(run.status, 0) << run.output;
  const nlohmann::json& j = run.json;
  EXPECT_EQ(j["echo"]["pattern"], "stream");
  EXPECT_EQ(j["echo"]["window"], 16384);
  EXPECT_EQ(j["errors"]["total"], 0) << run.output;
  EXPECT_GT(j["requests"].get<long>(), 1000) << run.output;
  // The window bounds what is unechoed: at most 16 messages of 1 KiB per connection.
  EXPECT_LE(j["in_flight_at_end"].get<long>(), 16 * 16);
  auto in = j["bytes"]["in"].get<long long>();
  auto out = j["bytes"]["out"].get<long long>();
  EXPECT_LE(in, out);
  EXPECT_LE(out - in, 16LL * 16384);
  EXPECT_NEAR(j["echo"]["messages_per_s"].get<double>(), j["rps"].get<double>(), 1e-6);
  expect_counters_agree(j, 16LL * 16384);
}

TEST_P(ClientEcho, CorruptingTargetIsCaughtAndFailIfExitsThree) {
  CorruptingEcho target;
  ASSERT_GT(target.port(), 0);
  ClientRun run = run_client_mode("echo", io() + "-c 2 -t 1 -d 1s -l 1k --fail-if 'errors>0' " +
                                              "127.0.0.1:" + std::to_string(target.port()));
  EXPECT_EQ(run.status, 3) << run.output;
  auto mismatches = run.json["errors"]["by_kind"]["verify/mismatch"];
  ASSERT_TRUE(mismatches.is_number()) << run.json.dump();
  // One byte in 4096 is flipped: about one message in four of 1 KiB is wrong, never all.
  EXPECT_GT(mismatches.get<long>(), 0);
  EXPECT_LT(mismatches.get<long>(), run.json["requests"].get<long>());
  EXPECT_NE(run.output.find("verify mismatch"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("--fail-if errors>0"), std::string::npos) << run.output;
}

TEST_P(ClientEcho, SweepWritesOneCsvRowPerStepAndAPlot) {
  start();
  std::string dir = "/tmp/percore-sweep-" + std::to_string(getpid()) + "-" + GetParam();
  std::string csv = dir + ".csv", png = dir + ".png";
  unlink(csv.c_str());
  unlink(png.c_str());
  bool gnuplot = have_program("gnuplot");
  ClientRun run =
      run_client_mode("sweep",
                      io() + "--pattern rr -l 64 --max-connections 6 -d 300ms -t 1 --csv " + csv +
                          (gnuplot ? " --png " + png : "") + " " + target(),
                      60);
  ASSERT_EQ(run.status, 0) << run.output;
  std::stringstream lines(read_text(csv));
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "connections,rate,p50_us,p99_us,errors");
  std::vector<int> steps;
  while (std::getline(lines, line)) {
    steps.push_back(std::atoi(line.c_str()));
    std::vector<std::string> cols;
    std::stringstream fields(line);
    std::string f;
    while (std::getline(fields, f, ',')) cols.push_back(f);
    ASSERT_EQ(cols.size(), 5u) << line;
    EXPECT_GT(std::atof(cols[1].c_str()), 0) << line;
    EXPECT_EQ(cols[4], "0") << line;
  }
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 4, 6}));
  ASSERT_TRUE(run.json.is_array()) << run.output;
  EXPECT_EQ(run.json.size(), 4u);
  if (gnuplot) {
    std::string bytes = read_text(png);
    ASSERT_GT(bytes.size(), 1000u) << run.output;
    EXPECT_EQ(bytes.substr(1, 3), "PNG");
  }
  unlink(csv.c_str());
  unlink(png.c_str());
}

PERCORE_ON_EVERY_BACKEND(ClientEcho);

TEST(ClientEchoE2E, UnreachableTargetAndBadFlagsExitTwoWithOneLine) {
  int fd = connect_loopback(1);
  if (fd >= 0) close(fd);
  ClientRun dead = run_client_mode("echo", "-d 1s 127.0.0.1:1");
  EXPECT_EQ(dead.status, 2) << dead.output;
  EXPECT_NE(dead.output.find("ECONNREFUSED"), std::string::npos) << dead.output;
  ClientRun bad = run_client_mode("echo", "--pattern sideways 127.0.0.1:1");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(std::count(bad.output.begin(), bad.output.end(), '\n'), 1) << bad.output;
}

}  // namespace
}  // namespace percore::test
