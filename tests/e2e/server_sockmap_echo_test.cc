// `--mode echo --io sockmap`: the echo runs inside the kernel (a BPF sk_skb verdict program
// redirects every received byte back out of its socket). Byte-exact over many connections and
// long streams, early and half-closed clients, closes noticed, and the proof that the bytes
// never pass through the worker: its CPU time for a 100 MB stream against the epoll echo's.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/proc_info.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

// Worker CPU time (utime + stime) in clock ticks, from /proc/PID/stat.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(close_paren + 2));
  std::string f;
  long utime = 0, stime = 0;
  // Fields after the command: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  return utime + stime;
}

// Sends `data` on fd while reading the echo back, with at most kWindow bytes sent and not yet
// echoed (as `client echo --window` does; the in-kernel echo resets a peer that leaves 32 MiB
// unread); returns the bytes read, stopping at the first mismatch. With half_close the write side
// is shut after the last byte and the echo must still arrive in full, followed by EOF.
size_t stream_through(int fd, const std::string& data, bool half_close, int timeout_s,
                      bool* mismatch, bool* saw_eof) {
  fcntl(fd, F_SETFL, O_NONBLOCK);
  size_t sent = 0, received = 0;
  bool shut = false;
  *mismatch = *saw_eof = false;
  std::vector<char> buf(1 << 18);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline && !*mismatch) {
    if (received == data.size() && (!half_close || *saw_eof)) break;
    constexpr size_t kWindow = 4 << 20;
    bool may_send = sent < data.size() && sent - received < kWindow;
    pollfd p{fd, POLLIN, 0};
    if (may_send) p.events |= POLLOUT;
    poll(&p, 1, 500);
    if ((p.revents & POLLOUT) && may_send) {
      ssize_t n =
          send(fd, data.data() + sent, std::min<size_t>(data.size() - sent, 1 << 18), MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<size_t>(n);
    }
    if (half_close && sent == data.size() && !shut) {
      shutdown(fd, SHUT_WR);
      shut = true;
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(fd, buf.data(), buf.size(), 0);
      if (n == 0) {
        *saw_eof = true;
        if (received < data.size()) break;
      } else if (n > 0) {
        if (received + static_cast<size_t>(n) > data.size() ||
            data.compare(received, static_cast<size_t>(n), buf.data(), static_cast<size_t>(n)) !=
                0) {
          *mismatch = true;
        }
        received += static_cast<size_t>(n);
      }
    }
  }
  return received;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class SockmapEcho : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = start_server("sockmap", {"--mode", "echo", "-w", "2"});
    if (server_.ok()) return;
    std::string err = server_.process ? server_.process->stderr_text() : "";
    // Skipped only where the kernel or the build cannot do it, never for a failure of ours.
    for (const char* reason : {"not built", "CAP_BPF", "without BPF sockmap support"}) {
      if (err.find(reason) != std::string::npos) GTEST_SKIP() << "no in-kernel echo here: " << err;
    }
    FAIL() << "server --io sockmap did not start: " << err;
  }
  long long active() const { return metric_sum(server_.metrics(), "percore_active_connections"); }
  // Waits until the server reports `n` open connections (closes are noticed asynchronously).
  bool wait_active(long long n) const {
    for (int i = 0; i < 250; ++i) {
      if (active() == n) return true;
      usleep(20000);
    }
    return false;
  }
  ServerProcess server_;
};

TEST_F(SockmapEcho, HundredConnectionsOfAMegabyteComeBackExact) {
  constexpr int kConns = 100;
  constexpr size_t kBytes = 1 << 20;
  std::vector<std::thread> threads;
  std::vector<size_t> got(kConns);
  std::vector<char> bad(kConns);
  for (int i = 0; i < kConns; ++i) {
    threads.emplace_back([&, i] {
      int fd = connect_loopback(server_.port);
      if (fd < 0) return;
      std::string data = random_bytes(kBytes, static_cast<unsigned>(i));
      bool mismatch = false, eof = false;
      got[i] = stream_through(fd, data, false, 60, &mismatch, &eof);
      bad[i] = mismatch;
      close(fd);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kConns; ++i) {
    EXPECT_EQ(got[i], kBytes) << "connection " << i;
    EXPECT_FALSE(bad[i]) << "connection " << i;
  }
  EXPECT_TRUE(wait_active(0)) << "open connections left: " << active();
  // The worker never sees the bytes; it counts them from TCP_INFO when a connection closes.
  EXPECT_EQ(metric_sum(server_.metrics(), "percore_bytes_in_total"),
            static_cast<long long>(kConns * kBytes));
}

TEST_F(SockmapEcho, RequestSentBeforeTheSocketJoinsTheMapIsEchoedWithoutAnotherByte) {
  // Request-response: each connection sends at once after connect and waits for its echo, so a
  // request that arrived before the worker put the socket into the map must not wait for more.
  for (int conn = 0; conn < 50; ++conn) {
    int fd = connect_loopback(server_.port);
    ASSERT_GE(fd, 0);
    for (int round = 0; round < 20; ++round) {
      std::string msg = "ping " + std::to_string(conn) + "/" + std::to_string(round) + "\n";
      ASSERT_EQ(send(fd, msg.data(), msg.size(), MSG_NOSIGNAL), static_cast<ssize_t>(msg.size()));
      std::string echo;
      while (echo.size() < msg.size()) {
        pollfd p{fd, POLLIN, 0};
        ASSERT_EQ(poll(&p, 1, 3000), 1) << "no echo for " << msg;
        char buf[256];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        ASSERT_GT(n, 0);
        echo.append(buf, static_cast<size_t>(n));
      }
      ASSERT_EQ(echo, msg);
    }
    close(fd);
  }
  EXPECT_TRUE(wait_active(0)) << "open connections left: " << active();
}

TEST_F(SockmapEcho, HalfClosedClientGetsItsWholeEchoThenEof) {
  int fd = connect_loopback(server_.port);
  ASSERT_GE(fd, 0);
  std::string data = random_bytes(8 << 20, 7);
  bool mismatch = false, eof = false;
  size_t got = stream_through(fd, data, true, 60, &mismatch, &eof);
  EXPECT_EQ(got, data.size());
  EXPECT_FALSE(mismatch);
  EXPECT_TRUE(eof) << "the server should close after echoing everything";
  close(fd);
  EXPECT_TRUE(wait_active(0));
}

TEST_F(SockmapEcho, ClientsThatCloseOrResetAreNoticedAndTheEchoGoesOn) {
  std::vector<int> fds;
  std::string chunk(256 << 10, 'z');
  for (int i = 0; i < 40; ++i) {
    int fd = connect_loopback(server_.port);
    ASSERT_GE(fd, 0);
    // Unread echo pending on close makes the client's kernel send a reset.
    send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    fds.push_back(fd);
  }
  ASSERT_TRUE(wait_active(40)) << active();
  for (int fd : fds) close(fd);
  EXPECT_TRUE(wait_active(0)) << "open connections left: " << active();
  int fd = connect_loopback(server_.port);
  ASSERT_GE(fd, 0);
  bool mismatch = false, eof = false;
  std::string data = random_bytes(1 << 20, 9);
  EXPECT_EQ(stream_through(fd, data, false, 30, &mismatch, &eof), data.size());
  EXPECT_FALSE(mismatch);
  close(fd);
}

TEST_F(SockmapEcho, ClientThatNeverReadsIsResetBeforeTheKernelHoldsUnboundedEcho) {
  // The kernel's redirect to egress queues without limit; the worker's sweep must cut off a
  // peer whose unread echo passes 32 MiB (plus what arrives within one 100 ms sweep).
  int fd = connect_loopback(server_.port);
  ASSERT_GE(fd, 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  std::string chunk(1 << 20, 'q');
  size_t pushed = 0;
  bool cut_off = false;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until && !cut_off) {
    ssize_t n = send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pushed += static_cast<size_t>(n);
    } else if (errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, 100);
    } else {
      cut_off = true;  // ECONNRESET or EPIPE: the server reset us
    }
  }
  EXPECT_TRUE(cut_off) << "pushed " << pushed << " bytes without being cut off";
  EXPECT_LT(pushed, size_t{512} << 20);
  close(fd);
  EXPECT_TRUE(wait_active(0));
}

TEST_F(SockmapEcho, EchoStreamsCostTheWorkerAlmostNoCpuUnlikeTheEpollEcho) {
  ServerProcess epoll = start_server("epoll", {"--mode", "echo", "-w", "1"});
  ASSERT_TRUE(epoll.ok()) << epoll.process->stderr_text();
  ServerProcess kernel = start_server("sockmap", {"--mode", "echo", "-w", "1"});
  ASSERT_TRUE(kernel.ok()) << kernel.process->stderr_text();
  std::string data = random_bytes(100 << 20, 11);
  auto worker_cpu_for_streams = [&](const ServerProcess& s, int rounds) {
    pid_t worker = first_child(s.process->pid());
    long before = cpu_ticks(worker);
    for (int i = 0; i < rounds; ++i) {
      int fd = connect_loopback(s.port);
      bool mismatch = false, eof = false;
      size_t got = stream_through(fd, data, false, 120, &mismatch, &eof);
      close(fd);
      EXPECT_EQ(got, data.size()) << s.process->stderr_text();
      EXPECT_FALSE(mismatch);
    }
    return cpu_ticks(worker) - before;
  };
  // A fast machine echoes 100 MB through epoll in a few clock ticks, too few to tell apart from
  // the sockmap worker's accept; so stream until the epoll worker has spent 200 ms at least.
  constexpr long kMeasurableMs = 200;
  constexpr int kMostRounds = 16;
  long hz = sysconf(_SC_CLK_TCK);
  long epoll_ticks = 0;
  int rounds = 0;
  while (epoll_ticks * 1000 / hz < kMeasurableMs && rounds < kMostRounds) {
    epoll_ticks += worker_cpu_for_streams(epoll, 1);
    ++rounds;
  }
  long kernel_ticks = worker_cpu_for_streams(kernel, rounds);
  std::cout << "worker CPU for " << rounds << " x 100 MB echo streams: epoll "
            << epoll_ticks * 1000 / hz << " ms, sockmap " << kernel_ticks * 1000 / hz << " ms\n";
  // The epoll worker recv()s and send()s every byte; the sockmap worker only accepted.
  ASSERT_GE(epoll_ticks * 1000 / hz, kMeasurableMs)
      << "the epoll echo should cost a measurable amount";
  EXPECT_LE(kernel_ticks * 5, epoll_ticks);
  EXPECT_LE(kernel_ticks * 1000 / hz, 3 * rounds + 30);
}

TEST(SockmapEchoFlags, WithoutBpfPrivilegeTheServerRefusesWithTheReason) {
  if (geteuid() != 0 || access("/sbin/capsh", X_OK) != 0) {
    GTEST_SKIP() << "needs root and capsh (libcap2-bin) to drop the BPF capabilities";
  }
  std::string cmd = std::string("exec ") + PERCORE_SERVER_BIN +
                    " --mode echo --io sockmap -w 1 -a 127.0.0.1:0 -o /dev/null";
  Process p(
      {"/sbin/capsh", "--drop=cap_bpf,cap_sys_admin,cap_net_admin,cap_perfmon", "--", "-c", cmd});
  int status = p.wait_exit(10000);
  std::string err = p.stderr_text();
  if (err.find("not built") != std::string::npos) GTEST_SKIP() << err;
  EXPECT_EQ(status, 1 << 8) << err;
  EXPECT_NE(err.find("--io sockmap: cannot load the BPF program"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(SockmapEchoFlags, OnlyForEchoMode) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--mode", "http"}, {"--mode", "proxy", "-x", "127.0.0.1:1"}}) {
    ServerProcess s = start_server("sockmap", args);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.process->wait_exit(5000), 2 << 8) << s.process->stderr_text();
    EXPECT_NE(s.process->stderr_text().find("--io sockmap is only for --mode echo"),
              std::string::npos)
        << s.process->stderr_text();
  }
}

}  // namespace
}  // namespace percore::test
