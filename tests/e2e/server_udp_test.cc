// UDP modes of the real server over loopback: udp-echo returns every datagram exactly, kernel
// drops made on purpose show in /metrics while the server keeps running, udp-relay delivers by
// rr or fan-out, and bad UDP flags are usage errors.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/backend_test.h"
#include "tests/support/proc_info.h"
#include "tests/support/process.h"
#include "tests/support/server_process.h"
#include "tests/support/udp_helpers.h"

namespace percore::test {
namespace {

std::string body(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7) % 251);
  return s;
}

std::string recv_string(int fd) {
  std::string buf(65536, '\0');
  ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  if (n < 0) return "<timeout>";
  buf.resize(static_cast<size_t>(n));
  return buf;
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ServerUdp : public BackendTest {};

TEST_P(ServerUdp, EchoReturnsEveryDatagramExactlyToItsSender) {
  start({"--mode", "udp-echo"});
  const std::vector<size_t> sizes = {0, 1, 16, 1000, 1472, 8000, 65507};
  constexpr int kSockets = 8;
  std::vector<int> fds;
  for (int i = 0; i < kSockets; ++i) {
    fds.push_back(udp_loopback_socket(server_.port, 3000));
    ASSERT_GE(fds.back(), 0);
  }
  for (int i = 0; i < kSockets; ++i) {
    for (size_t k = 0; k < sizes.size(); ++k) {
      std::string b = body(sizes[k], static_cast<unsigned>(i * 10 + k));
      ASSERT_EQ(send(fds[i], b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
      EXPECT_EQ(recv_string(fds[i]), b) << "socket " << i << " size " << sizes[k];
    }
  }
  // A burst of equal datagrams, which the server may answer as one GSO send.
  for (int k = 0; k < 200; ++k) {
    std::string b = body(1000, 1000 + k);
    ASSERT_EQ(send(fds[0], b.data(), b.size(), 0), 1000);
  }
  for (int k = 0; k < 200; ++k) EXPECT_EQ(recv_string(fds[0]), body(1000, 1000 + k)) << k;
  long long want = kSockets * static_cast<long long>(sizes.size()) + 200;
  EXPECT_EQ(await_metric(server_, "percore_udp_packets_out_total", want), want);
  EXPECT_EQ(metric_sum(server_.metrics(), "percore_udp_packets_in_total"), want);
  for (int fd : fds) close(fd);
}

TEST_P(ServerUdp, KernelDropsWhileStoppedShowInMetricsAndTheServerKeepsRunning) {
  server_ = start_server(GetParam(), {"--mode", "udp-echo", "-w", "1", "--rcvbuf", "4096"});
  ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  std::vector<pid_t> workers = children_of(server_.process->pid());
  ASSERT_EQ(workers.size(), 1u);
  int fd = udp_loopback_socket(server_.port, 1000);
  ASSERT_GE(fd, 0);
  std::string b = body(1000, 3);
  kill(workers[0], SIGSTOP);
  for (int i = 0; i < 2000; ++i) send(fd, b.data(), b.size(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(workers[0], SIGCONT);
  // Drain what the tiny buffer held, then one more datagram carries the drop count.
  while (recv_string(fd) != "<timeout>") {
  }
  ASSERT_EQ(send(fd, b.data(), b.size(), 0), 1000);
  EXPECT_EQ(recv_string(fd), b) << "the server stopped answering after the drops";
  // The server publishes its figures once a second.
  long long drops = 0, in = 0;
  for (int i = 0; i < 60 && in + drops != 2001; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    drops = metric_sum(server_.metrics(), "percore_udp_kernel_drops_total");
    in = metric_sum(server_.metrics(), "percore_udp_packets_in_total");
  }
  EXPECT_GT(drops, 0);
  EXPECT_EQ(in + drops, 2001) << "every datagram is either received or counted as dropped";
  close(fd);
}

// IPv6 datagrams carry up to 65527 bytes (65535 less the UDP header), 20 more than IPv4's
// 65507: the echo returns them all, none counted as "queue full".
TEST_P(ServerUdp, EchoReturnsTheLargestIpv6Datagrams) {
  int probe = socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 lo{};
  lo.sin6_family = AF_INET6;
  lo.sin6_addr = in6addr_loopback;
  bool v6 = probe >= 0 && bind(probe, reinterpret_cast<sockaddr*>(&lo), sizeof(lo)) == 0;
  if (probe >= 0) close(probe);
  if (!v6) GTEST_SKIP() << "no IPv6 loopback";
  server_ = start_server(GetParam(), {"--mode", "udp-echo", "-w", "1", "-a", "[::1]:0"});
  ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  int port = 0;
  {
    // The [::1] listener's port, from its ready line (the helper's own -a is 127.0.0.1).
    std::string out = server_.process->wait_for_line("percore: ready udp-echo [::1]", 5000);
    size_t at = out.find("[::1]:");
    ASSERT_NE(at, std::string::npos) << out;
    port = std::stoi(out.substr(at + 6));
  }
  int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  lo.sin6_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&lo), sizeof(lo)), 0);
  for (size_t n : {size_t{65507}, size_t{65508}, size_t{65520}, size_t{65527}}) {
    std::string out = body(n, static_cast<unsigned>(n));
    ASSERT_EQ(send(fd, out.data(), out.size(), 0), static_cast<ssize_t>(n)) << n;
    std::string back = recv_string(fd);
    EXPECT_EQ(back.size(), n) << n;
    EXPECT_TRUE(back == out) << n;
  }
  close(fd);
  EXPECT_EQ(metric_sum(server_.metrics(), "percore_udp_queue_full_total"), 0);
}

// Three sinks on loopback; the relay forwards what one sender sends.
class Sinks {
 public:
  Sinks() {
    for (int i = 0; i < 3; ++i) fds_.push_back(udp_loopback_socket(0, 1000, &ports_[i]));
  }
  ~Sinks() {
    for (int fd : fds_) close(fd);
  }
  int fd(int i) const { return fds_[static_cast<size_t>(i)]; }
  std::vector<std::string> flags() const {
    std::vector<std::string> f;
    for (int p : ports_) f.insert(f.end(), {"-x", "127.0.0.1:" + std::to_string(p)});
    return f;
  }
  // Datagrams each sink received, in order. A sink is read until it has `expected`, or until it
  // has been silent for 3 s (a worker descheduled on a loaded machine may pause a second).
  std::vector<std::vector<std::string>> drain(size_t expected) {
    std::vector<std::vector<std::string>> got(3);
    for (int i = 0; i < 3; ++i) {
      int silent = 0;
      while (got[i].size() < expected && silent < 3) {
        std::string s = recv_string(fds_[i]);
        if (s == "<timeout>") {
          ++silent;
        } else {
          silent = 0;
          got[i].push_back(s);
        }
      }
    }
    return got;
  }

 private:
  std::vector<int> fds_;
  int ports_[3] = {};
};

TEST_P(ServerUdp, RelayFanoutDeliversEveryDatagramToEveryBackendInOrder) {
  Sinks sinks;
  std::vector<std::string> extra = {"--mode", "udp-relay", "--fanout"};
  for (const std::string& f : sinks.flags()) extra.push_back(f);
  start(extra);
  int fd = udp_loopback_socket(server_.port, 1000);
  ASSERT_GE(fd, 0);
  constexpr int kCount = 300;
  for (int i = 0; i < kCount; ++i) {
    std::string b = body(500, i);
    ASSERT_EQ(send(fd, b.data(), b.size(), 0), 500);
    if (i % 50 == 49) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::vector<std::vector<std::string>> got = sinks.drain(kCount);
  for (int s = 0; s < 3; ++s) {
    ASSERT_EQ(got[s].size(), static_cast<size_t>(kCount)) << "sink " << s;
    for (int i = 0; i < kCount; ++i) EXPECT_EQ(got[s][i], body(500, i)) << "sink " << s;
  }
  EXPECT_EQ(await_metric(server_, "percore_udp_packets_out_total", 3 * kCount), 3 * kCount);
  close(fd);
}

TEST_P(ServerUdp, RelayRoundRobinSplitsDatagramsOverBackends) {
  Sinks sinks;
  std::vector<std::string> extra = {"--mode", "udp-relay", "-w", "1"};
  for (const std::string& f : sinks.flags()) extra.push_back(f);
  server_ = start_server(GetParam(), extra);
  ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  int fd = udp_loopback_socket(server_.port, 1000);
  constexpr int kCount = 300;
  for (int i = 0; i < kCount; ++i) {
    std::string b = body(100, i);
    ASSERT_EQ(send(fd, b.data(), b.size(), 0), 100);
  }
  std::vector<std::vector<std::string>> got = sinks.drain(kCount / 3);
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(got[s].size(), static_cast<size_t>(kCount / 3)) << "sink " << s;
    // Nothing beyond a third: no sink was given another's share.
    EXPECT_EQ(recv_string(sinks.fd(s)), "<timeout>") << "sink " << s;
  }
  EXPECT_EQ(await_metric(server_, "percore_udp_packets_out_total", kCount), kCount);
  close(fd);
}

TEST_P(ServerUdp, RelayBindSourceIsTheEgressAddress) {
  int sink_port = 0;
  int sink = udp_loopback_socket(0, 2000, &sink_port);
  ASSERT_GE(sink, 0);
  server_ = start_server(GetParam(), {"--mode", "udp-relay", "-w", "1", "--bind-source",
                                      "127.0.0.2", "-x", "127.0.0.1:" + std::to_string(sink_port)});
  ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  int fd = udp_loopback_socket(server_.port, 1000);
  ASSERT_EQ(send(fd, "hello", 5, 0), 5);
  char buf[16];
  sockaddr_in from{};
  socklen_t len = sizeof(from);
  ASSERT_EQ(recvfrom(sink, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len), 5);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &from.sin_addr, text, sizeof(text));
  EXPECT_STREQ(text, "127.0.0.2");
  close(fd);
  close(sink);
}

// An egress address the host does not have is a start-up failure, not a relay that prints
// "ready" and drops every datagram.
TEST_P(ServerUdp, RelayBindSourceTheHostDoesNotHaveFailsAtStart) {
  Process p({PERCORE_SERVER_BIN, "-a", "127.0.0.1:0", "--io", GetParam(), "-o", "/dev/null",
             "--mode", "udp-relay", "-w", "1", "--bind-source", "10.255.255.1", "-x",
             "127.0.0.1:9"});
  int status = p.wait_exit(5000);
  EXPECT_EQ(exit_code(status), 1);
  EXPECT_EQ(p.stdout_text().find("ready"), std::string::npos) << p.stdout_text();
  std::string err = p.stderr_text();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("10.255.255.1"), std::string::npos) << err;
  EXPECT_NE(err.find("Cannot assign requested address"), std::string::npos) << err;
}

TEST(ServerUdpFlags, OutOfRangeOrMisplacedUdpFlagsAreUsageErrors) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--mode", "udp-echo", "--rcvbuf", "10"},
           {"--mode", "udp-echo", "--sndbuf", "99999999999"},
           {"--mode", "udp-echo", "-x", "127.0.0.1:9"},
           {"--mode", "udp-echo", "--fanout"},
           {"--mode", "udp-relay"},
           {"--mode", "udp-relay", "-x", "127.0.0.1:9", "--balance", "least-conn"},
           {"--mode", "udp-relay", "-x", "127.0.0.1:9", "--bind-source", "::1"},
           {"--mode", "udp-relay", "-x", "127.0.0.1:9", "--bind-source", "1.2.3"},
           {"--mode", "http", "--rcvbuf", "65536"},
           {"--mode", "udp-sink"}}) {
    args.insert(args.begin(), PERCORE_SERVER_BIN);
    Process p(args);
    int status = p.wait_exit(5000);
    EXPECT_EQ(exit_code(status), 2) << args[2] << " " << args.back();
    std::string err = p.stderr_text();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(err.rfind("server: ", 0), 0u) << err;
  }
}

PERCORE_ON_EVERY_BACKEND(ServerUdp);

}  // namespace
}  // namespace percore::test
