// `client udp -R` paces all its threads on one shared grid (client/rate_scheduler.h), as http and
// echo do: at -t 2 -R 2000 the combined stream is one datagram every 0.5 ms, not both threads
// sending at the same instant every 1 ms. A plain socket on loopback collects the datagrams and
// reads the send time each one carries.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

#include "tests/support/client_run.h"
#include "tests/support/udp_helpers.h"

namespace percore::test {
namespace {

// client/udp_packet.h: the sequence number (stream in the top 16 bits), then the send time in ns.
struct Sent {
  uint32_t stream = 0;
  uint64_t counter = 0;
  int64_t sent_ns = 0;
};

constexpr uint32_t kProbeStream = 0xFFFF;

std::vector<Sent> collect_while(int fd, const std::atomic<bool>& stop) {
  std::vector<Sent> sent;
  char buf[2048];
  while (!stop.load()) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 16) continue;
    uint64_t seq = 0;
    Sent s;
    std::memcpy(&seq, buf, 8);
    std::memcpy(&s.sent_ns, buf + 8, 8);
    s.stream = static_cast<uint32_t>(seq >> 48);
    s.counter = seq & ((uint64_t{1} << 48) - 1);
    if (s.stream != kProbeStream) sent.push_back(s);
  }
  return sent;
}

double percentile(std::vector<int64_t> v, double p) {
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))]);
}

TEST(ClientUdpPace, TwoThreadsInterleaveOnOneGridInsteadOfSendingInPairs) {
  int port = 0;
  int fd = udp_loopback_socket(0, 50, &port);
  ASSERT_GE(fd, 0);
  std::atomic<bool> stop{false};
  std::vector<Sent> sent;
  std::thread sink([&] { sent = collect_while(fd, stop); });
  ClientRun r =
      run_client_mode("udp", "--no-pin -t 2 -k 1 -R 2000 -d 1s -l 64 --timeout 100ms 127.0.0.1:" +
                                 std::to_string(port));
  stop = true;
  sink.join();
  close(fd);
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(r.json["sent"], 2000) << r.output;
  ASSERT_GE(sent.size(), 1900u) << r.output;  // loopback; a handful may be dropped under load

  // Thread 1's k-th datagram is due half a step (0.5 ms) after thread 0's k-th; on per-thread
  // grids from one origin they were due at the same instant.
  std::map<uint64_t, int64_t> first_thread;
  for (const Sent& s : sent) {
    if (s.stream == 0) first_thread[s.counter] = s.sent_ns;
  }
  std::vector<int64_t> offsets;
  for (const Sent& s : sent) {
    auto it = first_thread.find(s.counter);
    if (s.stream == 1 && it != first_thread.end()) offsets.push_back(s.sent_ns - it->second);
  }
  ASSERT_GE(offsets.size(), 900u);
  double median_offset = percentile(offsets, 0.5);
  EXPECT_GT(median_offset, 250'000) << "median offset of thread 1 behind thread 0, ns";
  EXPECT_LT(median_offset, 750'000) << "median offset of thread 1 behind thread 0, ns";

  // Consecutive sends of the combined stream: ~0.5 ms apart, not pairs at ~0 then ~1 ms.
  std::vector<int64_t> times;
  for (const Sent& s : sent) times.push_back(s.sent_ns);
  std::sort(times.begin(), times.end());
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < times.size(); ++i) gaps.push_back(times[i] - times[i - 1]);
  EXPECT_GT(percentile(gaps, 0.25), 200'000) << "the first quartile of the gaps, ns";
  EXPECT_LT(percentile(gaps, 0.75), 800'000) << "the third quartile of the gaps, ns";
}

}  // namespace
}  // namespace percore::test
