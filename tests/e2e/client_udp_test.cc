// `client udp` against the real udp-echo server on loopback, on every backend: 100k datagrams at
// a fixed rate with none lost and every payload verified, the largest and the empty datagram,
// kernel drops made on purpose seen by both ends, malformed answers counted, bad flags; three
// --segment shares of one rate started together add up to it and `client merge` of their results
// sums them exactly with percentiles from the merged histograms; --hdr-log adds up to the JSON.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "core/stats/hdr_encoding.h"
#include "core/stats/histogram_json.h"

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
      // The client's pre-run probe (a 16-byte datagram) comes first: answered like any other.
      if (first && n == 200) {
        sendto(fd, "short", 5, 0, reinterpret_cast<sockaddr*>(&from), len);
        first = false;
      }
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

// Nothing listens at the target: the pre-run probe sees ICMP port unreachable, and the client
// says so in one line and exits 2 (as client echo does for a refused connect), without a run.
TEST_P(ClientUdp, DeadTargetIsRefusedBeforeTheRunWithExitTwo) {
  int port = 0;
  int fd = udp_loopback_socket(0, 100, &port);
  close(fd);  // the port is now free: datagrams to it get ICMP port unreachable
  ClientRun r = run("-l 64 -R 1000 -d 1s " + target(port));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("ECONNREFUSED"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ICMP port unreachable"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_FALSE(r.json.is_object()) << r.output;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str(), nullptr, false);
}

std::unique_ptr<stats::Histogram> rtt_histogram(const nlohmann::json& result) {
  std::string error;
  auto h = stats::histogram_from_json(result["histograms"]["rtt"], &error);
  EXPECT_NE(h, nullptr) << error;
  return h;
}

// Three segments of -R 3000 (1000 each) over -t 1 -k 4 (12 sockets: 4 each), started together
// with --start-at as scripts/multi-host.sh starts them, then merged.
TEST_P(ClientUdp, SegmentsOfARateAddUpAndTheirResultsMergeExactly) {
  start({"--mode", "udp-echo"});
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("percore-udp-segments-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // One absolute start for all three, as scripts/multi-host.sh gives it.
  std::string start_at = std::to_string(time(nullptr) + 2);
  std::vector<std::unique_ptr<Process>> clients;
  std::vector<std::string> jsons;
  for (int i = 1; i <= 3; ++i) {
    jsons.push_back(dir / ("segment-" + std::to_string(i) + ".json"));
    std::vector<std::string> argv = {PERCORE_CLIENT_BIN, "udp",  "-q",
                                     "--no-pin",         "--io", GetParam()};
    for (const char* flag : {"-l", "200", "-R", "3000", "-d", "2s", "-t", "3", "-k", "4"}) {
      argv.push_back(flag);
    }
    argv.insert(argv.end(), {"--segment", std::to_string(i) + "/3", "--start-at", start_at,
                             "--json", jsons.back(), target(server_.port)});
    clients.push_back(std::make_unique<Process>(argv));
  }
  for (auto& c : clients) {
    int status = c->wait_exit(30'000);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << status << c->stdout_text() << c->stderr_text();
  }
  double target_rate = 0, achieved = 0;
  uint64_t sent = 0, received = 0, lost = 0;
  int sockets = 0;
  std::set<int> first_streams;
  stats::Histogram all;
  for (const std::string& path : jsons) {
    nlohmann::json j = read_json(path);
    ASSERT_TRUE(j.is_object()) << path;
    target_rate += j["rate"].get<double>();
    achieved += j["pps_sent"].get<double>();
    sent += j["sent"].get<uint64_t>();
    received += j["received"].get<uint64_t>();
    lost += j["lost"].get<uint64_t>();
    sockets += j["sockets"].get<int>();
    first_streams.insert(j["first_stream"].get<int>());
    EXPECT_EQ(j["run"]["start_at_unix_ms"].get<int64_t>(), std::stoll(start_at) * 1000);
    auto h = rtt_histogram(j);
    ASSERT_NE(h, nullptr);
    all.merge(*h);
  }
  EXPECT_DOUBLE_EQ(target_rate, 3000);
  EXPECT_NEAR(achieved, 3000, 30);
  EXPECT_NEAR(static_cast<double>(sent), 6000, 60);
  EXPECT_EQ(sockets, 12);
  EXPECT_EQ(first_streams, (std::set<int>{0, 4, 8}));

  std::string merged_json = dir / "merged.json";
  int status = 0;
  std::string out = run_command(std::string(PERCORE_CLIENT_BIN) + " merge --json " + merged_json +
                                    " " + jsons[0] + " " + jsons[1] + " " + jsons[2],
                                30, &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("hosts       3 merged"), std::string::npos) << out;
  nlohmann::json m = read_json(merged_json);
  ASSERT_TRUE(m.is_object()) << out;
  EXPECT_EQ(m["mode"], "udp");
  EXPECT_EQ(m["sent"].get<uint64_t>(), sent);
  EXPECT_EQ(m["received"].get<uint64_t>(), received);
  EXPECT_EQ(m["lost"].get<uint64_t>(), lost);
  EXPECT_DOUBLE_EQ(m["rate"].get<double>(), 3000);
  EXPECT_EQ(m["hosts"].size(), 3u);
  EXPECT_EQ(m["rtt_us"]["count"].get<uint64_t>(), all.count());
  EXPECT_DOUBLE_EQ(m["rtt_us"]["p99"].get<double>(),
                   static_cast<double>(all.value_at_percentile(99)) / 1e3);
  auto merged_h = rtt_histogram(m);
  ASSERT_NE(merged_h, nullptr);
  for (double p : {50.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(merged_h->value_at_percentile(p), all.value_at_percentile(p)) << p;
  }

  // udp and http results measure different things: refused, exit 2, one line.
  std::string http_json = dir / "http.json";
  std::ofstream(http_json) << R"({"mode": "http", "requests": 1, "sent": 1, "duration_s": 1})";
  out = run_command(std::string(PERCORE_CLIENT_BIN) + " merge " + jsons[0] + " " + http_json, 30,
                    &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("do not merge"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  std::filesystem::remove_all(dir);
}

// --hdr-log: the intervals of a udp run add up, slot for slot, to the RTT histogram of its JSON.
TEST_P(ClientUdp, IntervalLogAddsUpToItsResult) {
  start({"--mode", "udp-echo"});
  std::string hlog = "/tmp/percore-udp-" + std::to_string(getpid()) + ".hlog";
  ClientRun r = run("-l 100 -R 2000 -d 2500ms --hdr-log " + hlog + " " + target(server_.port));
  ASSERT_EQ(r.status, 0) << r.output;
  auto whole = rtt_histogram(r.json);
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(whole->count(), r.json["unique"].get<uint64_t>());
  std::ifstream in(hlog);
  std::string line;
  std::map<size_t, uint64_t> summed;
  int intervals = 0;
  bool start_time = false;
  while (std::getline(in, line)) {
    if (line.rfind("#[StartTime: ", 0) == 0) start_time = true;
    size_t hist = line.find("HISTF");
    if (line.empty() || line[0] == '#' || line[0] == '"' || hist == std::string::npos) continue;
    std::string error;
    auto h = stats::hdr_decode_base64(line.substr(hist), &error);
    ASSERT_NE(h, nullptr) << error << ": " << line;
    ++intervals;
    for (size_t i = 0; i < h->bucket_slots(); ++i) {
      if (h->count_at_index(i) > 0) summed[i] += h->count_at_index(i);
    }
  }
  unlink(hlog.c_str());
  EXPECT_TRUE(start_time);
  EXPECT_GE(intervals, 2);
  expect_intervals_add_up(summed, *whole);
}

TEST(ClientUdpFlags, OutOfRangeFlagsAreOneLineUsageErrors) {
  for (std::string args : std::vector<std::string>{
           "127.0.0.1:9 -l 65508", "127.0.0.1:9 -l -1", "127.0.0.1:9 -k 0", "127.0.0.1:9 -t 0",
           "127.0.0.1:9 -R -5", "127.0.0.1:9 --rcvbuf 10", "127.0.0.1:9 -d 0", "", "no-port",
           "127.0.0.1:0", "127.0.0.1:9 --sink -R 10", "127.0.0.1:9 --fail-if 'bogus>1'",
           "127.0.0.1:9 -t 1024 -k 1024", "127.0.0.1:9 --timeout 0",
           "127.0.0.1:9 -k 2 --segment 3/3", "127.0.0.1:9 --start-at yesterday"}) {
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
