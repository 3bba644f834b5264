// `client udp` against the real udp-echo server on loopback, on every backend: 100k datagrams at
// a fixed rate with none lost and every payload verified, the largest and the empty datagram,
// kernel drops made on purpose seen by both ends, malformed answers counted, bad flags.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/support/backend_test.h"
#include "tests/support/client_run.h"
#include "tests/support/proc_info.h"
#include "tests/support/process.h"
#include "tests/support/udp_helpers.h"

namespace percore::test {
namespace {

std::string target(int port) {
  return "127.0.0.1:" + std::to_string(port);
}

class ClientUdp : public BackendTest {
 protected:
  ClientRun run(const std::string& args, int timeout_s = 60) {
    // Unpinned: on a busy machine a pinned thread may wait long for its core.
    return run_client_mode("udp", "--no-pin --io " + GetParam() + " " + args, timeout_s);
  }
};

TEST_P(ClientUdp, HundredThousandAtFixedRateComeBackVerifiedWithNoneLost) {
  start({"--mode", "udp-echo"});
  ClientRun r = run("-l 1000 -R 50000 -d 2s -t 1 -k 4 " + target(server_.port));
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_TRUE(r.json.is_object()) << r.output;
  EXPECT_EQ(r.json["sent"], 100000) << r.output;
  EXPECT_EQ(r.json["unique"], 100000) << r.output;
  EXPECT_EQ(r.json["lost"], 0) << r.output;
  EXPECT_EQ(r.json["corrupt"], 0) << r.output;
  EXPECT_EQ(r.json["malformed"], 0) << r.output;
  EXPECT_EQ(r.json["duplicated"], 0) << r.output;
  EXPECT_EQ(r.json["rtt_us"]["count"], 100000) << r.output;
  EXPECT_GT(r.json["rtt_us"]["p50"].get<double>(), 0) << r.output;
}

TEST_P(ClientUdp, LargestAndEmptyDatagramsComeBack) {
  start({"--mode", "udp-echo"});
  ClientRun big = run("-l 65507 -R 500 -d 1s " + target(server_.port));
  ASSERT_EQ(big.status, 0) << big.output;
  EXPECT_EQ(big.json["sent"], 500) << big.output;
  EXPECT_EQ(big.json["lost"], 0) << big.output;
  EXPECT_EQ(big.json["corrupt"], 0) << big.output;
  EXPECT_DOUBLE_EQ(big.json["mbps_received"].get<double>(), 500 * 65507 * 8 / 1e6) << big.output;
  ClientRun empty = run("-l 0 -R 500 -d 1s --timeout 200ms " + target(server_.port));
  ASSERT_EQ(empty.status, 0) << empty.output;
  EXPECT_EQ(empty.json["sent"], 500) << empty.output;
  EXPECT_EQ(empty.json["received"], 500) << empty.output;
  EXPECT_EQ(empty.json["lost"], 0) << empty.output;
}

TEST_P(ClientUdp, KernelDropsWhileTheServerIsStoppedShowOnBothEnds) {
  server_ = start_server(GetParam(), {"--mode", "udp-echo", "-w", "1", "--rcvbuf", "4096"});
  ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  std::vector<pid_t> workers = children_of(server_.process->pid());
  ASSERT_EQ(workers.size(), 1u);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    kill(workers[0], SIGSTOP);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    kill(workers[0], SIGCONT);
  });
  // The kernel counts a dropped GSO run once, whatever its datagrams: the client sends them one
  // by one here, so the server's drop count and the client's losses are the same number.
  setenv("PERCORE_UDP_GSO", "0", 1);
  ClientRun r = run("-l 1000 -R 20000 -d 1500ms --timeout 300ms " + target(server_.port));
  unsetenv("PERCORE_UDP_GSO");
  stopper.join();
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_GT(r.json["lost"].get<long long>(), 0) << r.output;
  EXPECT_EQ(r.json["corrupt"], 0) << r.output;
  // The server publishes its kernel drop count once a second.
  long long drops = -1;
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    drops = metric_sum(server_.metrics(), "percore_udp_kernel_drops_total");
  }
  EXPECT_GT(drops, 0);
  // The lost datagrams are the server's kernel drops (nothing else drops on loopback here), but
  // the kernel reports drops only with the next datagram it does queue: the last few may stay
  // unreported.
  long long lost = r.json["lost"].get<long long>();
  EXPECT_LE(drops, lost) << r.output;
  EXPECT_GE(drops * 10, lost * 8) << r.output;
  ClientRun after = run("-l 100 -R 1000 -d 300ms " + target(server_.port));
  EXPECT_EQ(after.json["lost"], 0) << "the server did not recover: " << after.output;
}

// A fake echo server that answers every datagram exactly, except that before the first answer it
// sends a datagram shorter than the client's header.
TEST_P(ClientUdp, ShortAnswerIsCountedAsMalformed) {
  int port = 0;
  int fd = udp_loopback_socket(0, 100, &port);
  ASSERT_GE(fd, 0);
  std::atomic<bool> stop{false};
  std::thread fake([&] {
    char buf[65536];
    bool first = true;
    while (!stop.load()) {
      sockaddr_storage from;
      socklen_t len = sizeof(from);
      ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) continue;
      if (first) sendto(fd, "short", 5, 0, reinterpret_cast<sockaddr*>(&from), len);
      first = false;
      sendto(fd, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  });
  ClientRun r = run("-l 200 -R 200 -d 500ms " + target(port));
  stop = true;
  fake.join();
  close(fd);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.json["malformed"], 1) << r.output;
  EXPECT_EQ(r.json["lost"], 0) << r.output;
  EXPECT_EQ(r.json["sent"], 100) << r.output;
}

TEST_P(ClientUdp, FailIfLostExitsThreeAndAnUnkeptRateIsReportedLoudly) {
  start({"--mode", "udp-echo"});
  // Nothing listens at the second address: every datagram is lost.
  int port = 0;
  int fd = udp_loopback_socket(0, 100, &port);
  ClientRun lost = run("-l 64 -R 100 -d 200ms --timeout 100ms --fail-if 'lost>0' " + target(port));
  close(fd);
  EXPECT_EQ(lost.status, 3) << lost.output;
  EXPECT_NE(lost.output.find("--fail-if lost>0"), std::string::npos) << lost.output;
  ClientRun fast = run("-l 64 -R 1e9 -d 200ms --timeout 100ms " + target(server_.port));
  EXPECT_EQ(fast.status, 0) << fast.output;
  EXPECT_NE(fast.output.find("WARNING: could not keep -R"), std::string::npos) << fast.output;
  EXPECT_FALSE(fast.json["warnings"].empty()) << fast.output;
}

TEST(ClientUdpFlags, OutOfRangeFlagsAreOneLineUsageErrors) {
  for (std::string args : std::vector<std::string>{
           "127.0.0.1:9 -l 65508", "127.0.0.1:9 -l -1", "127.0.0.1:9 -k 0", "127.0.0.1:9 -t 0",
           "127.0.0.1:9 -R -5", "127.0.0.1:9 --rcvbuf 10", "127.0.0.1:9 -d 0", "", "no-port",
           "127.0.0.1:0", "127.0.0.1:9 --sink -R 10", "127.0.0.1:9 --fail-if 'bogus>1'",
           "127.0.0.1:9 -t 1024 -k 1024", "127.0.0.1:9 --timeout 0"}) {
    int status = 0;
    std::string out = run_command(std::string(PERCORE_CLIENT_BIN) + " udp " + args, 10, &status);
    EXPECT_EQ(status, 2) << args << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << args << ": " << out;
    EXPECT_EQ(out.rfind("client: ", 0), 0u) << args << ": " << out;
  }
}

PERCORE_ON_EVERY_BACKEND(ClientUdp);

}  // namespace
}  // namespace percore::test
