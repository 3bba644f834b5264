// A client that never reads: it pipelines requests (HTTP mode) or streams bytes (echo mode) and
// never reads an answer. The server must stop reading it once its unsent answers reach their
// bound, so its memory stays flat and other connections on the same worker are served as usual.
// The test prints the bound it measured (docs/reliability.md quotes it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/proc_info.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

// Pushes `unit` repeatedly without reading until the socket stays unwritable for 300 ms (the
// server stopped reading) or 3 s pass; returns the bytes the kernel took.
size_t push_until_stalled(int fd, const std::string& unit) {
  fcntl(fd, F_SETFL, O_NONBLOCK);
  size_t pushed = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until) {
    ssize_t n = send(fd, unit.data(), unit.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pushed += static_cast<size_t>(n);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, 300) == 0) break;
  }
  return pushed;
}

struct Mode {
  std::string name;  // "http" or "echo"
  std::string io;
};

class SlowReader : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(GetParam().io);
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

TEST_P(SlowReader, ServerStopsReadingAndOthersAreServed) {
  const bool http = GetParam().name == "http";
  reuse_freed_memory_under_asan();
  ServerProcess server = start_server(GetParam().io, {"--mode", GetParam().name, "-w", "1", "-k"});
  ASSERT_TRUE(server.ok()) << server.process->stderr_text();
  pid_t worker = first_child(server.process->pid());
  ASSERT_GT(worker, 0);
  // Warm the worker up (buffers, first allocations) before the baseline.
  ASSERT_EQ(http_get(server.port, "/").status, http ? 200 : 0);
  long before = rss_kb(worker);

  std::string unit;
  if (http) {
    for (int i = 0; i < 64; ++i) unit += "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  } else {
    unit.assign(64 << 10, 'x');
  }
  constexpr int kReaders = 8;
  std::vector<int> fds;
  size_t pushed = 0;
  for (int i = 0; i < kReaders; ++i) {
    int fd = connect_loopback(server.port);
    ASSERT_GE(fd, 0);
    pushed += push_until_stalled(fd, unit);
    fds.push_back(fd);
  }
  long after = rss_kb(worker);

  // Another connection on the same worker is answered while the others are stuck.
  int other = connect_loopback(server.port);
  ASSERT_GE(other, 0);
  if (http) {
    std::string requests;
    for (int i = 0; i < 100; ++i) requests += "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(send_all(other, requests));
    std::vector<Response> got = read_responses(other, 100, 5000);
    ASSERT_EQ(got.size(), 100u);
    for (const Response& r : got) EXPECT_EQ(r.status, 200);
  } else {
    std::string msg = "still served";
    ASSERT_TRUE(send_all(other, msg));
    std::string echoed;
    char buf[64];
    while (echoed.size() < msg.size()) {
      ssize_t n = recv(other, buf, sizeof(buf), 0);
      ASSERT_GT(n, 0) << "no echo for the other connection";
      echoed.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(echoed, msg);
  }
  close(other);

  long grew_kb = after - before;
  std::printf(
      "[ measure  ] %s/%s: %d non-reading connections pushed %zu KiB each before the "
      "server stopped reading; worker RSS +%ld KiB (%ld KiB per connection)\n",
      GetParam().name.c_str(), GetParam().io.c_str(), kReaders, pushed / kReaders / 1024, grew_kb,
      grew_kb / kReaders);
  // Unbounded reading would take everything offered for 3 s: gigabytes on loopback.
  EXPECT_LT(pushed / kReaders, size_t{16} << 20) << "the server kept reading";
  // Per connection: the 256 KiB of unsent answers the server allows before it pauses reading,
  // the answers to the rest of the receive batch that crossed it (a 64 KiB read of pipelined
  // GETs answers with ~5x as many bytes), the send in flight and the io_uring buffers it holds.
  // Echo's io_uring ring (128 x 64 KiB) is 4 MiB larger than HTTP's, and the kernel touches
  // its pages as it fills them.
  long ring_kb = !http && GetParam().io == "uring" ? 4096 : 0;
  EXPECT_LT(grew_kb, kReaders * 2048 + ring_kb) << "worker memory grew with the unread answers";
  for (int fd : fds) close(fd);
}

std::vector<Mode> every_mode() {
  std::vector<Mode> out;
  for (const char* mode : {"http", "echo"}) {
    for (const std::string& io : kEveryBackend) out.push_back({mode, io});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Modes, SlowReader, ::testing::ValuesIn(every_mode()),
                         [](const auto& info) { return info.param.name + "_" + info.param.io; });

}  // namespace
}  // namespace percore::test
