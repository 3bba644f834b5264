// udp-relay and dead backends, on loopback: a backend whose port is closed draws ICMP port
// unreachable, which the relay reads from its egress socket's error queue; the backend leaves
// rotation for the hold-down (the live one gets the traffic), is counted in /metrics and the
// summary, rejoins once it answers again, and with every backend down datagrams are dropped and
// counted without the worker spinning.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/backend_test.h"
#include "tests/support/proc_info.h"
#include "tests/support/server_process.h"
#include "tests/support/udp_helpers.h"

namespace percore::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Binds a UDP socket on 127.0.0.1:port (0: ephemeral) with a short receive timeout; returns
// the fd (or -1) and the port in *bound.
int bind_loopback(int port, int* bound) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  timeval tv{0, 200'000};
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *bound = ntohs(a.sin_port);
  return fd;
}

// A port on 127.0.0.1 that nothing is bound to: bound once and closed again.
int closed_port() {
  int port = 0;
  int fd = bind_loopback(0, &port);
  if (fd >= 0) close(fd);
  return port;
}

// Datagrams waiting on fd, read until it has been silent for the socket's timeout.
int count_received(int fd) {
  char buf[2048];
  int n = 0;
  while (recv(fd, buf, sizeof(buf), 0) >= 0) ++n;
  return n;
}

// User plus system CPU time of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t p = stat.rfind(')');
  if (p == std::string::npos) return -1;
  std::istringstream rest(stat.substr(p + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

class ServerUdpRelayHealth : public BackendTest {};

TEST_P(ServerUdpRelayHealth, UnreachableBackendLeavesRotationAndRejoinsWhenItAnswers) {
  int live_port = 0;
  int live = bind_loopback(0, &live_port);
  ASSERT_GE(live, 0);
  int dead_port = closed_port();
  std::string dead_name = "127.0.0.1:" + std::to_string(dead_port);
  std::string dead_label = "backend=\"" + dead_name + "\"";
  server_ = start_server(GetParam(), {"--mode", "udp-relay", "-w", "1", "-x",
                                      "127.0.0.1:" + std::to_string(live_port), "-x", dead_name});
  ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  int fd = udp_loopback_socket(server_.port, 1000);
  ASSERT_GE(fd, 0);

  // A few datagrams one at a time: the second goes to the closed port and draws the ICMP error.
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(send(fd, "warmup", 6, 0), 6);
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_GE(await_metric(server_, "percore_backend_unreachable_total", 1), 1);
  EXPECT_GE(metric_sum(server_.metrics(), "percore_backend_icmp_unreachable_total", dead_label), 1);
  EXPECT_EQ(metric_sum(server_.metrics(), "percore_backend_up", dead_label), 0);
  count_received(live);

  // Held down: every datagram goes to the live backend (rotation would give it half).
  constexpr int kCount = 100;
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(send(fd, "held", 4, 0), 4);
  EXPECT_GE(count_received(live), kCount - 3);

  // The dead port comes alive: it is back in rotation within the hold-down (1 s, or a few
  // seconds if it relapsed meanwhile) and gets its share again.
  int revived_port = 0;
  int revived = bind_loopback(dead_port, &revived_port);
  ASSERT_GE(revived, 0) << "port " << dead_port << " taken meanwhile";
  auto start = Clock::now();
  bool back = false;
  while (!back && Clock::now() - start < std::chrono::seconds(10)) {
    ASSERT_EQ(send(fd, "probe", 5, 0), 5);
    char buf[16];
    back = recv(revived, buf, sizeof(buf), MSG_DONTWAIT) > 0;
    std::this_thread::sleep_for(milliseconds(20));
    back = back || recv(revived, buf, sizeof(buf), MSG_DONTWAIT) > 0;
  }
  ASSERT_TRUE(back) << "the revived backend got nothing in 10 s";
  EXPECT_EQ(metric_sum(server_.metrics(), "percore_backend_up", dead_label), 1);
  count_received(live);
  count_received(revived);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(send(fd, "both", 4, 0), 4);
    if (i % 10 == 9) std::this_thread::sleep_for(milliseconds(2));
  }
  int to_live = count_received(live), to_revived = count_received(revived);
  EXPECT_GE(to_live, kCount / 2 - 2);
  EXPECT_GE(to_revived, kCount / 2 - 2);

  // Transitions are logged, not datagrams.
  std::string log = server_.log_text();
  size_t downs = count_of(log, "out of rotation for");
  EXPECT_GE(downs, 1u) << log;
  EXPECT_LE(downs, 5u) << log;
  EXPECT_GE(count_of(log, "back in rotation"), 1u) << log;
  close(fd);
  close(live);
  close(revived);
}

TEST_P(ServerUdpRelayHealth, EveryBackendDownDropsAndCountsWithoutSpinning) {
  int dead_port = closed_port();
  server_ = start_server(GetParam(), {"--mode", "udp-relay", "-w", "1", "-x",
                                      "127.0.0.1:" + std::to_string(dead_port)});
  ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  int fd = udp_loopback_socket(server_.port, 1000);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send(fd, "first", 5, 0), 5);
  ASSERT_GE(await_metric(server_, "percore_backend_unreachable_total", 1), 1);
  pid_t worker = first_child(server_.process->pid());
  ASSERT_GT(worker, 0);
  long before = cpu_ticks(worker);
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(send(fd, "dropped", 7, 0), 7);
  EXPECT_GE(await_metric(server_, "percore_udp_no_backend_total", kCount - 5), kCount - 5);
  std::this_thread::sleep_for(milliseconds(500));
  long spent = cpu_ticks(worker) - before;
  EXPECT_LT(spent, sysconf(_SC_CLK_TCK) / 4) << "ticks of CPU for " << kCount << " drops";
  EXPECT_LE(metric_sum(server_.metrics(), "percore_udp_packets_out_total"), 5);
  // The summary at exit shows the counters too.
  server_.process->signal(SIGTERM);
  server_.process->wait_exit(5000);
  std::string out = server_.process->stdout_text();
  EXPECT_NE(out.find("backend_unreachable "), std::string::npos) << out;
  EXPECT_EQ(out.find("backend_unreachable 0"), std::string::npos) << out;
  EXPECT_EQ(out.find("no_backend 0"), std::string::npos) << out;
  close(fd);
}

PERCORE_ON_EVERY_BACKEND(ServerUdpRelayHealth);

}  // namespace
}  // namespace percore::test
