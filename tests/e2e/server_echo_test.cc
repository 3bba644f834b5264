// TCP echo mode: byte-exact echo over many connections, and bounded memory for a client that
// sends without reading.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/proc_info.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

// Every backend; io_uring as it starts (echo sends out of lent receive buffers, receives come in
// bundles, each limited to a share of the ring), and with every newer kernel's technique off
// (kUringFallback: the echo copies, receives come one buffer each, close is not linked), and
// with a ring of few large buffers (kUringFewBuffers, 16x64k: far fewer buffers than
// connections, so receives run the ring dry and wait for buffers to come back).
class ServerEcho : public ::testing::TestWithParam<std::string> {
 protected:
  const BackendVariant& variant() const { return backend_variant(GetParam()); }
  bool few_buffers() const { return !variant().uring_buffers.empty(); }
  std::string io() const { return variant().io; }
  void SetUp() override {
    std::string why = backend_skip_reason(io());
    if (!why.empty()) GTEST_SKIP() << why;
  }
  void start(int workers) {
    server_ = start_variant_server(variant(), {"--mode", "echo", "-w", std::to_string(workers)});
    ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  }
  ServerProcess server_;
};

struct Stream {
  int fd = -1;
  std::string data;
  size_t sent = 0;
  size_t received = 0;
  bool mismatch = false;
};

TEST_P(ServerEcho, MegabytePerConnectionOverHundredConnectionsComesBackExact) {
  start(2);
  constexpr int kConns = 100;
  constexpr size_t kBytes = 1 << 20;
  std::mt19937 rng(42);
  std::vector<Stream> streams(kConns);
  for (Stream& s : streams) {
    s.fd = connect_loopback(server_.port);
    ASSERT_GE(s.fd, 0);
    fcntl(s.fd, F_SETFL, O_NONBLOCK);
    s.data.resize(kBytes);
    for (char& ch : s.data) ch = static_cast<char>(rng());
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t done = 0;
  char buf[65536];
  while (done < streams.size() && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> fds;
    for (Stream& s : streams) {
      short ev = s.received < kBytes ? POLLIN : 0;
      if (s.sent < kBytes) ev |= POLLOUT;
      fds.push_back({s.fd, ev, 0});
    }
    poll(fds.data(), fds.size(), 1000);
    for (size_t i = 0; i < streams.size(); ++i) {
      Stream& s = streams[i];
      if ((fds[i].revents & POLLOUT) && s.sent < kBytes) {
        ssize_t n = send(s.fd, s.data.data() + s.sent, std::min<size_t>(kBytes - s.sent, 32768),
                         MSG_NOSIGNAL);
        if (n > 0) s.sent += static_cast<size_t>(n);
      }
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(s.fd, buf, sizeof(buf), 0);
        if (n > 0) {
          if (s.data.compare(s.received, static_cast<size_t>(n), buf, static_cast<size_t>(n)) != 0)
            s.mismatch = true;
          s.received += static_cast<size_t>(n);
          if (s.received == kBytes) ++done;
        }
      }
    }
  }
  for (Stream& s : streams) {
    EXPECT_EQ(s.received, kBytes);
    EXPECT_FALSE(s.mismatch);
    close(s.fd);
  }
  // The counter moves when the worker sees its send complete, which can trail the bytes.
  long long out = 0;
  for (int i = 0; i < 100 && out != static_cast<long long>(kConns * kBytes); ++i) {
    out = metric_sum(server_.metrics(), "percore_bytes_out_total");
    if (out != static_cast<long long>(kConns * kBytes)) usleep(20000);
  }
  EXPECT_EQ(out, static_cast<long long>(kConns * kBytes));
}

// RFC 862 with a half-close: the client sends its stream, shuts down its side, and reads until
// the server closes. Every byte must come back before the EOF. io_uring's send used to end the
// connection when the kernel answered EAGAIN on a full socket buffer, cutting the tail off.
TEST_P(ServerEcho, HalfClosedStreamComesBackToTheLastByte) {
  start(1);
  constexpr size_t kBytes = 10 << 20;
  std::mt19937 rng(7);
  std::string data(kBytes, '\0');
  for (char& ch : data) ch = static_cast<char>(rng());
  for (int round = 0; round < 3; ++round) {
    int fd = connect_loopback(server_.port);
    ASSERT_GE(fd, 0);
    std::thread sender([&] {
      for (size_t off = 0; off < kBytes;) {
        ssize_t n =
            send(fd, data.data() + off, std::min<size_t>(kBytes - off, 1 << 20), MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      shutdown(fd, SHUT_WR);
    });
    // A reader slower than the echo, so that the server's socket buffer runs full.
    std::string got;
    std::vector<char> buf(64 << 10);
    for (;;) {
      ssize_t n = recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) break;  // EOF, a reset, or the 5 s receive timeout
      got.append(buf.data(), static_cast<size_t>(n));
      usleep(500);
    }
    sender.join();
    close(fd);
    ASSERT_EQ(got.size(), kBytes) << "round " << round;
    EXPECT_TRUE(got == data) << "round " << round;
  }
}

TEST_P(ServerEcho, ClientThatNeverReadsDoesNotGrowServerMemory) {
  reuse_freed_memory_under_asan();
  start(1);
  pid_t worker = first_child(server_.process->pid());
  ASSERT_GT(worker, 0);
  long before = rss_kb(worker);
  std::vector<int> fds;
  std::string chunk(65536, 'x');
  size_t pushed = 0;
  for (int i = 0; i < 8; ++i) {
    int fd = connect_loopback(server_.port);
    ASSERT_GE(fd, 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    // Push until the kernel refuses: the server must stop reading once its echo cannot drain.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < until) {
      ssize_t n = send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n > 0) {
        pushed += static_cast<size_t>(n);
      } else {
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, 200) == 0) break;  // stalled: back-pressure reached us
      }
    }
    fds.push_back(fd);
  }
  long after = rss_kb(worker);
  std::printf("worker RSS grew %ld KiB; %zu bytes pushed\n", after - before, pushed);
  // Per connection the server may hold its pending bound plus a batch in flight; the rest must
  // wait in kernel buffers. A ring of 64 KiB buffers (echo's own, and 16x64k) makes a
  // connection's share of it 256 KiB, which it may hold twice (lent, and moved out of the ring
  // when another socket starves). Echo's own ring is 8 MiB, 4 MiB more than HTTP's, and the
  // kernel touches its pages as it fills them.
  long allowance_kb = 8 * 1024 + 8 * 1024;
  if (io() == "uring") allowance_kb += 8 * 2 * 256 + (few_buffers() ? 0 : 4 * 1024);
  EXPECT_LT(after - before, allowance_kb) << "pushed " << pushed << " bytes";
  EXPECT_LT(static_cast<long long>(pushed), 8LL * 64 << 20) << "the server kept reading";
  for (int fd : fds) close(fd);
}

// The io_uring receive ring is the mode's choice: echo streams get fewer, larger buffers than
// HTTP's many small requests, and PERCORE_URING_BUFFERS still decides over both.
TEST(UringRingShape, EchoTakesFewerLargerBuffersThanHttpUnlessTheEnvironmentSays) {
  std::string why = backend_skip_reason("uring");
  if (!why.empty()) GTEST_SKIP() << why;
  struct Case {
    const char* mode;
    const char* env;
    const char* expected;
  };
  for (const Case& c : {Case{"echo", nullptr, "128 receive buffers of 65536 bytes"},
                        Case{"http", nullptr, "256 receive buffers of 16384 bytes"},
                        Case{"echo", "256x16k", "256 receive buffers of 16384 bytes"}}) {
    if (c.env != nullptr) setenv("PERCORE_URING_BUFFERS", c.env, 1);
    ServerProcess server = start_server("uring", {"--mode", c.mode, "-w", "1", "-d"});
    unsetenv("PERCORE_URING_BUFFERS");
    ASSERT_TRUE(server.ok()) << server.process->stderr_text();
    server.process->signal(SIGTERM);
    EXPECT_EQ(server.process->wait_exit(10000), 0);
    std::string log = server.log_text();
    EXPECT_NE(log.find(c.expected), std::string::npos) << c.mode << ": " << log;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerEcho,
                         every_backend_and({kUringFallback, kUringFewBuffers}), backend_name);

}  // namespace
}  // namespace percore::test
