// `client udp -R` paces all its threads on one shared grid (client/run/rate_scheduler.h), as http
// and echo do: at -t 2 -R 2000 the combined stream is one datagram every 0.5 ms, not both threads
// sending at the same instant every 1 ms. A plain socket on loopback collects the datagrams and
// reads the send time each one carries.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
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

  // A datagram never leaves before its point on the grid and carries the time it left, so each
  // thread's least-delayed sends show where its points lie, however busy the machine is. Taking
  // thread 0's k-th point as k ms after the origin, thread 1's k-th lies half a step (0.5 ms)
  // later on the shared grid; on per-thread grids from one origin it lay at the same instant, and
  // the two threads sent in pairs.
  int64_t earliest[2] = {INT64_MAX, INT64_MAX};
  size_t per_thread[2] = {0, 0};
  for (const Sent& s : sent) {
    if (s.stream > 1) continue;
    int64_t from_origin = s.sent_ns - static_cast<int64_t>(s.counter) * 1'000'000;
    earliest[s.stream] = std::min(earliest[s.stream], from_origin);
    ++per_thread[s.stream];
  }
  ASSERT_GE(per_thread[0], 900u);
  ASSERT_GE(per_thread[1], 900u);
  int64_t offset = earliest[1] - earliest[0];
  RecordProperty("offset_ns", std::to_string(offset));
  EXPECT_GT(offset, 250'000) << "thread 1's points behind thread 0's, ns";
  EXPECT_LT(offset, 750'000) << "thread 1's points behind thread 0's, ns";
}

}  // namespace
}  // namespace percore::test
