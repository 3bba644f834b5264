// Contract tests run against every event-loop backend (kEveryBackend, plus the io_uring fallback
// variant) over loopback sockets.
#include <errno.h>
#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/io/backend.h"
#include "core/io/epoll_backend.h"
#include "core/io/factory.h"
#include "core/io/uring_backend.h"
#include "tests/support/backend_test.h"
#include "tests/unit/io_test_util.h"

namespace percore::io {
namespace {

using testing::accept_one;
using testing::connect_to;
using testing::feed_all;
using testing::loopback;
using testing::make_listener;
using testing::pattern;
using testing::Pump;

void on_usr1(int) {}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The I/O contract, on every backend plus io_uring with the techniques of newer kernels turned
// off (test::kUringFallback), so that the paths an older kernel takes are tested on this one too.
class BackendContract : public ::testing::TestWithParam<std::string> {
 protected:
  const test::BackendVariant& variant() const { return test::backend_variant(GetParam()); }
  std::string base() const { return variant().io; }

  void SetUp() override {
    std::string why = test::backend_skip_reason(base());
    if (!why.empty()) GTEST_SKIP() << why;
    backend_ = make(false);
    ASSERT_NE(backend_, nullptr);
    listen_fd_ = make_listener(&port_);
    ASSERT_GE(listen_fd_, 0);
  }

  void TearDown() override {
    for (int fd : peers_) ::close(fd);
    backend_.reset();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  bool is_uring() const { return base() == "uring"; }

  // `small`: a uring backend with few, small receive buffers, to run it out of them.
  std::unique_ptr<Backend> make(bool small) {
    std::string error;
    UringOptions o;
    if (small) {
      o.buffer_count = 16;
      o.buffer_size = 4096;
    }
    std::unique_ptr<Backend> b = test::make_variant_backend(variant(), o, &error);
    EXPECT_NE(b, nullptr) << error;
    return b;
  }

  // A connection whose server side is registered with `backend` under `token`; returns the peer
  // (client) socket, which the fixture closes.
  int open_pair(Backend* backend, uint64_t token, int* server_fd = nullptr,
                bool peer_nonblocking = false) {
    int peer = connect_to(port_, peer_nonblocking);
    EXPECT_GE(peer, 0);
    int fd = accept_one(listen_fd_);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(backend->open(fd, token), 0);
    if (server_fd != nullptr) *server_fd = fd;
    peers_.push_back(peer);
    return peer;
  }

  std::unique_ptr<Backend> backend_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::vector<int> peers_;
};

TEST_P(BackendContract, NameMatches) {
  EXPECT_EQ(backend_->name(), base());
}

TEST_P(BackendContract, AcceptStopAndResume) {
  constexpr uint64_t kListen = 7;
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  Pump pump(backend_.get());
  std::vector<int> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(connect_to(port_, false));
  ASSERT_TRUE(pump.until([&] { return pump.count(kListen, Op::kAccept) >= 5; }, 3000));
  std::vector<int> accepted;
  for (const Completion& c : pump.all) {
    ASSERT_EQ(c.op, Op::kAccept);
    ASSERT_GE(c.result, 0);
    // Accepted sockets are non-blocking and close-on-exec.
    EXPECT_TRUE(fcntl(c.result, F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(fcntl(c.result, F_GETFD) & FD_CLOEXEC);
    accepted.push_back(c.result);
  }
  EXPECT_EQ(accepted.size(), 5u);

  ASSERT_EQ(backend_->stop_accept(listen_fd_), 0);
  pump.idle(50);
  size_t before = pump.all.size();
  for (int i = 0; i < 3; ++i) clients.push_back(connect_to(port_, false));
  pump.idle(200);
  EXPECT_EQ(pump.all.size(), before) << "kAccept after stop_accept";

  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  ASSERT_TRUE(pump.until([&] { return pump.count(kListen, Op::kAccept) >= 8; }, 3000));
  pump.idle(50);
  EXPECT_EQ(pump.count(kListen, Op::kAccept), 8);
  for (const Completion& c : pump.all) {
    EXPECT_GE(c.result, 0);
    if (c.result >= 0) ::close(c.result);
  }
  for (int fd : clients) ::close(fd);
  EXPECT_EQ(backend_->close(listen_fd_), 0);
  listen_fd_ = -1;
}

TEST_P(BackendContract, ReceiveInOrderThenEof) {
  constexpr uint64_t kTok = 11;
  int peer = open_pair(backend_.get(), kTok, nullptr, true);
  const std::string payload = pattern(1 << 20, 3);
  size_t written = 0;
  Pump pump(backend_.get());
  auto feed = [&] {
    while (written < payload.size()) {
      ssize_t n = ::send(peer, payload.data() + written, payload.size() - written, MSG_NOSIGNAL);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
      if (written == payload.size()) shutdown(peer, SHUT_WR);
    }
  };
  ASSERT_TRUE(pump.until([&] { return pump.end.count(kTok) > 0; }, 5000, feed))
      << "received " << pump.data[kTok].size() << " of " << written << " written";
  EXPECT_EQ(pump.end[kTok], 0);
  EXPECT_EQ(pump.data[kTok].size(), payload.size());
  EXPECT_TRUE(pump.data[kTok] == payload) << "bytes out of order or corrupted";
  EXPECT_GT(pump.recv_count[kTok], 1);
  // Nothing after EOF.
  pump.idle(50);
  EXPECT_EQ(pump.count(kTok, Op::kRecv), pump.recv_count[kTok] + 1);
  EXPECT_EQ(pump.errors, 0);
}

TEST_P(BackendContract, PeerResetGivesNegativeResult) {
  constexpr uint64_t kTok = 12;
  int peer = open_pair(backend_.get(), kTok);
  ASSERT_EQ(::send(peer, "abc", 3, 0), 3);
  Pump pump(backend_.get());
  ASSERT_TRUE(pump.until([&] { return pump.data[kTok].size() == 3; }, 3000));
  linger lg{1, 0};
  setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  ::close(peer);
  peers_.clear();
  ASSERT_TRUE(pump.until([&] { return pump.end.count(kTok) > 0; }, 3000));
  EXPECT_EQ(pump.end[kTok], -ECONNRESET);
}

TEST_P(BackendContract, LargeSendCompletesOnceWithTotal) {
  constexpr uint64_t kTok = 13;
  int server_fd = -1;
  int peer = open_pair(backend_.get(), kTok, &server_fd, true);
  int small = 64 << 10;
  setsockopt(server_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  const std::string payload = pattern(8 << 20, 5);
  // Four uneven iovecs over the payload.
  const size_t cuts[] = {0, 1000, 3 << 20, (5 << 20) + 17, payload.size()};
  iovec iov[4];
  for (int i = 0; i < 4; ++i) {
    iov[i].iov_base = const_cast<char*>(payload.data()) + cuts[i];
    iov[i].iov_len = cuts[i + 1] - cuts[i];
  }
  ASSERT_EQ(backend_->send(server_fd, iov, 4), 0);
  EXPECT_EQ(backend_->send(server_fd, iov, 4), -EBUSY) << "one send in flight per socket";
  std::string got;
  std::vector<char> chunk(64 << 10);
  auto slow_read = [&] {
    ssize_t n = ::recv(peer, chunk.data(), chunk.size(), 0);
    if (n > 0) got.append(chunk.data(), static_cast<size_t>(n));
  };
  Pump pump(backend_.get());
  ASSERT_TRUE(
      pump.until([&] { return pump.count(kTok, Op::kSend) > 0 && got.size() == payload.size(); },
                 20000, slow_read, 1));
  pump.idle(50);
  ASSERT_EQ(pump.count(kTok, Op::kSend), 1);
  EXPECT_EQ(pump.first(kTok, Op::kSend)->result, static_cast<int32_t>(payload.size()));
  EXPECT_EQ(got.size(), payload.size());
  EXPECT_TRUE(got == payload) << "peer got bytes out of order or corrupted";
}

// Answer-then-close: the peer gets every byte, then EOF, and the backend reports nothing more.
TEST_P(BackendContract, CloseWhenSentDeliversEverythingThenEof) {
  constexpr uint64_t kTok = 17;
  int server_fd = -1;
  int peer = open_pair(backend_.get(), kTok, &server_fd, true);
  int small = 64 << 10;
  setsockopt(server_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  const std::string payload = pattern(2 << 20, 9);
  iovec iov{const_cast<char*>(payload.data()), payload.size()};
  ASSERT_EQ(backend_->send(server_fd, &iov, 1), 0);
  // The send cannot be done yet (the peer reads nothing so far): the caller hears when it is.
  ASSERT_EQ(backend_->close_when_sent(server_fd), Backend::kClosesLater);
  std::string got;
  bool eof = false;
  std::vector<char> chunk(64 << 10);
  auto read_some = [&] {
    ssize_t n = ::recv(peer, chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n > 0) got.append(chunk.data(), static_cast<size_t>(n));
    if (n == 0) eof = true;
  };
  Pump pump(backend_.get());
  ASSERT_TRUE(pump.until([&] { return eof; }, 20000, read_some, 1));
  EXPECT_TRUE(got == payload) << "got " << got.size() << " of " << payload.size() << " bytes";
  pump.idle(50);
  EXPECT_EQ(pump.count(kTok, Op::kSend), 0) << "only kClosed after close_when_sent";
  EXPECT_EQ(pump.count(kTok, Op::kRecv), 0);
  ASSERT_EQ(pump.count(kTok, Op::kClosed), 1);
  EXPECT_EQ(pump.first(kTok, Op::kClosed)->result, static_cast<int32_t>(payload.size()));
  // With nothing in flight it closes at once, and nothing follows.
  int fd2 = -1;
  int peer2 = open_pair(backend_.get(), kTok + 1, &fd2, true);
  ASSERT_EQ(backend_->close_when_sent(fd2), 0);
  // (io_uring lets the socket go once its cancelled receive is reaped: pump while waiting.)
  bool eof2 = false;
  auto read_eof = [&] {
    char byte;
    eof2 = eof2 || ::recv(peer2, &byte, 1, MSG_DONTWAIT) == 0;
  };
  EXPECT_TRUE(pump.until([&] { return eof2; }, 3000, read_eof, 1));
  pump.idle(20);
  EXPECT_EQ(pump.count(kTok + 1, Op::kClosed), 0);
}

// Zero-copy echo: a lent receive buffer keeps its bytes through later wait()s (while other
// receives recycle the rest of the ring) and can be sent from; lend_end() gives it back, so
// lending never runs the ring dry. Backends that do not lend say so, and the caller copies.
TEST_P(BackendContract, LentReceiveBuffersStayValidAndComeBack) {
  auto backend = make(true);  // uring: 16 buffers of 4 KiB, so a leaked buffer shows at once
  ASSERT_NE(backend, nullptr);
  constexpr uint64_t kTok = 31;
  int server_fd = -1;
  int peer = open_pair(backend.get(), kTok, &server_fd, true);
  const std::string payload = pattern(2 << 20, 7);
  struct Lent {
    const char* data;
    std::string copy;
  };
  std::vector<Lent> lent;   // lent by the last wait(), given back after the next one
  std::vector<Lent> older;  // lent one wait() earlier: must still hold their bytes
  int received = 0;
  int lends = 0;
  bool mismatch = false;
  size_t written = 0;
  // At most 2 completions per wait(): with those of two wait()s lent, 4 of the 16 buffers, the
  // most one socket may have lent from a ring that small.
  Pump pump(backend.get(), 2);
  pump.on_completion = [&](const Completion& c) {
    if (c.op != Op::kRecv || c.result <= 0) return;
    ++received;
    if (backend->lend(c)) {
      ++lends;
      lent.push_back(Lent{c.data, std::string(c.data, static_cast<size_t>(c.result))});
    }
  };
  auto step = [&] {
    for (const Lent& l : older) {
      mismatch = mismatch || std::memcmp(l.data, l.copy.data(), l.copy.size()) != 0;
      backend->lend_end(l.data);
    }
    older.swap(lent);
    lent.clear();
    while (written < payload.size()) {
      ssize_t n = ::send(peer, payload.data() + written, payload.size() - written, MSG_NOSIGNAL);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
  };
  ASSERT_TRUE(pump.until([&] { return pump.data[kTok].size() == payload.size(); }, 10000, step, 1));
  step();
  step();
  EXPECT_FALSE(mismatch) << "a lent buffer was reused before lend_end()";
  EXPECT_TRUE(pump.data[kTok] == payload);
  if (is_uring() && !variant().uring_fallback) {
    // 2 MiB through 16 buffers: every receive can be lent only if lend_end() recycles them.
    EXPECT_EQ(lends, received);
  } else {
    EXPECT_EQ(lends, 0) << GetParam() << " does not lend";
  }
  // Echo straight out of a lent buffer: the peer gets exactly its bytes.
  ASSERT_EQ(::send(peer, "lend-me", 7, 0), 7);
  const char* held = nullptr;
  std::string expect;
  pump.on_completion = [&](const Completion& c) {
    if (c.op != Op::kRecv || c.result <= 0 || held != nullptr) return;
    expect.assign(c.data, static_cast<size_t>(c.result));
    held = backend->lend(c) ? c.data : nullptr;
  };
  ASSERT_TRUE(pump.until([&] { return !expect.empty(); }, 3000));
  pump.on_completion = nullptr;
  pump.once(0);  // a wait() between receive and send: only a lent buffer survives it
  std::string own = expect;
  iovec iov{const_cast<char*>(held != nullptr ? held : own.data()), expect.size()};
  ASSERT_EQ(backend->send(server_fd, &iov, 1), 0);
  ASSERT_TRUE(pump.until([&] { return pump.count(kTok, Op::kSend) > 0; }, 3000));
  if (held != nullptr) backend->lend_end(held);
  char back[16];
  ASSERT_EQ(::recv(peer, back, sizeof(back), 0), static_cast<ssize_t>(expect.size()));
  EXPECT_EQ(std::string(back, expect.size()), expect);
  EXPECT_EQ(pump.errors, 0);
}

// A receive bundle (several buffers in one kernel completion) reaches the caller as buffer-sized
// completions in stream order; the same holds with bundles off.
TEST_P(BackendContract, BacklogArrivesInBufferSizedPiecesInOrder) {
  auto backend = make(true);
  ASSERT_NE(backend, nullptr);
  constexpr uint64_t kTok = 32;
  int server_fd = -1;
  int peer = open_pair(backend.get(), kTok, &server_fd, true);
  // A backlog of 60 KiB waits in the socket before the first wait(): one bundle on io_uring.
  const std::string payload = pattern(60 << 10, 4);
  ASSERT_EQ(::send(peer, payload.data(), payload.size(), 0), static_cast<ssize_t>(payload.size()));
  int biggest = 0;
  Pump pump(backend.get(), 4);
  pump.on_completion = [&](const Completion& c) {
    if (c.op == Op::kRecv) biggest = std::max(biggest, c.result);
  };
  ASSERT_TRUE(pump.until([&] { return pump.data[kTok].size() == payload.size(); }, 5000));
  EXPECT_TRUE(pump.data[kTok] == payload);
  if (is_uring()) {
    EXPECT_LE(biggest, 4096) << "a completion larger than one receive buffer";
  }
  shutdown(peer, SHUT_WR);
  ASSERT_TRUE(pump.until([&] { return pump.end.count(kTok) > 0; }, 3000));
  EXPECT_EQ(pump.end[kTok], 0);
}

// A socket whose first read (inside a sleeping wait()) finds nothing must still wake that wait
// when data comes: epoll registers sockets lazily, and the registration must precede the sleep.
TEST_P(BackendContract, DataAfterAnEmptyFirstReadWakesTheWait) {
  constexpr uint64_t kTok = 19;
  int peer = open_pair(backend_.get(), kTok);
  Completion out[8];
  std::thread sender([peer] {
    usleep(50000);
    ::send(peer, "ping", 4, MSG_NOSIGNAL);
  });
  auto start = std::chrono::steady_clock::now();
  int got = 0;
  while (got == 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {
    int n = backend_->wait(out, 8, 2'000'000);
    for (int i = 0; i < n; ++i) {
      if (out[i].token == kTok && out[i].op == Op::kRecv) got += out[i].result;
    }
  }
  auto took = std::chrono::steady_clock::now() - start;
  sender.join();
  EXPECT_EQ(got, 4);
  EXPECT_LT(took, std::chrono::milliseconds(1000)) << "the data waited for a timeout";
}

TEST_P(BackendContract, EmptySendCompletesWithZero) {
  constexpr uint64_t kTok = 14;
  int server_fd = -1;
  open_pair(backend_.get(), kTok, &server_fd);
  iovec iov[2] = {{nullptr, 0}, {nullptr, 0}};
  ASSERT_EQ(backend_->send(server_fd, iov, 2), 0);
  Pump pump(backend_.get());
  ASSERT_TRUE(pump.until([&] { return pump.count(kTok, Op::kSend) > 0; }, 2000));
  EXPECT_EQ(pump.first(kTok, Op::kSend)->result, 0);
}

// Many connections stream more than the receive buffers hold (uring: 16 buffers of 4 KiB; epoll:
// its 2 MiB arena per turn) while each wait() takes few completions.
TEST_P(BackendContract, BufferExhaustionLosesNothing) {
  auto backend = make(true);
  ASSERT_NE(backend, nullptr);
  constexpr int kConns = 16;
  constexpr size_t kBytes = 512 << 10;
  std::vector<int> peers;
  std::vector<std::string> payloads;
  std::vector<size_t> written(kConns, 0);
  for (int i = 0; i < kConns; ++i) {
    peers.push_back(open_pair(backend.get(), 100 + i, nullptr, true));
    payloads.push_back(pattern(kBytes, static_cast<unsigned>(i)));
  }
  auto feed = [&] { feed_all(peers, payloads, written); };
  Pump pump(backend.get(), 8);
  auto all_in = [&] {
    for (int i = 0; i < kConns; ++i) {
      if (pump.data[100 + i].size() < kBytes) return false;
    }
    return true;
  };
  rusage before{};
  getrusage(RUSAGE_THREAD, &before);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(pump.until(all_in, 20000, feed, 20)) << [&] {
    std::string s;
    for (int i = 0; i < kConns; ++i) {
      s += std::to_string(pump.data[100 + i].size()) + "/" + std::to_string(written[i]) + " ";
    }
    return s + " waits " + std::to_string(pump.waits);
  }();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage after{};
  getrusage(RUSAGE_THREAD, &after);
  for (int i = 0; i < kConns; ++i) {
    EXPECT_TRUE(pump.data[100 + i] == payloads[i]) << "connection " << i << " lost or reordered";
  }
  RecordProperty("waits", pump.waits);
  // At least one completion per buffer; a busy loop would show as a flood of waits.
  size_t total = kConns * kBytes;
  // uring: 4 KiB buffers, 8 completions per wait(): 256 waits is the least possible.
  EXPECT_LE(pump.waits, static_cast<int>(total / (4096 * 8)) * 2 + 100) << "too many wait() calls";
  EXPECT_EQ(pump.errors, 0);
  double cpu = static_cast<double>(after.ru_utime.tv_sec - before.ru_utime.tv_sec +
                                   after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
               (after.ru_utime.tv_usec - before.ru_utime.tv_usec + after.ru_stime.tv_usec -
                before.ru_stime.tv_usec) /
                   1e6;
  RecordProperty("cpu_ms", static_cast<int>(cpu * 1000));
  EXPECT_LT(cpu, 3.0) << "wall " << wall;
  for (int i = 0; i < kConns; ++i) EXPECT_EQ(pump.end.count(100 + i), 0u);
}

// Readers that stall (their receive paused by back-pressure, echo buffers lent and never sent)
// must not take the receive ring from everyone else: io_uring caps what a socket may lend and
// moves a paused socket's received bytes out of the ring, so a fresh connection is still served,
// and resuming delivers every stalled byte in order.
TEST_P(BackendContract, StalledReadersLeaveTheRingToOthers) {
  auto backend = make(true);  // uring: 16 buffers of 4 KiB
  ASSERT_NE(backend, nullptr);
  constexpr int kStalled = 4;
  constexpr uint64_t kFirst = 200;
  constexpr uint64_t kFresh = 300;
  constexpr size_t kBytes = 256 << 10;
  std::vector<int> peers;
  std::vector<int> fds(kStalled, -1);
  std::vector<std::string> payloads;
  std::vector<size_t> written(kStalled, 0);
  for (int i = 0; i < kStalled; ++i) {
    peers.push_back(open_pair(backend.get(), kFirst + i, &fds[i], true));
    payloads.push_back(pattern(kBytes, static_cast<unsigned>(40 + i)));
  }
  auto feed = [&] { feed_all(peers, payloads, written); };
  std::vector<const char*> lent;
  std::vector<bool> paused(kStalled, false);
  Pump pump(backend.get(), 8);
  pump.on_completion = [&](const Completion& c) {
    if (c.op != Op::kRecv || c.result <= 0 || c.token < kFirst || c.token >= kFirst + kStalled) {
      return;
    }
    if (backend->lend(c)) lent.push_back(c.data);
    size_t i = c.token - kFirst;
    if (!paused[i]) {
      paused[i] = true;
      EXPECT_EQ(backend->pause_recv(fds[i]), 0);
    }
  };
  auto all_paused = [&] { return std::count(paused.begin(), paused.end(), true) == kStalled; };
  ASSERT_TRUE(pump.until(all_paused, 3000, feed));
  pump.until([] { return false; }, 300, feed);  // the kernel takes whatever it will meanwhile

  int fresh = open_pair(backend.get(), kFresh, nullptr, true);
  ASSERT_EQ(::send(fresh, "hello", 5, 0), 5);
  EXPECT_TRUE(pump.until([&] { return pump.data[kFresh] == "hello"; }, 3000, feed))
      << "a fresh connection starved behind " << kStalled << " stalled ones (" << lent.size()
      << " buffers lent)";

  pump.on_completion = nullptr;
  for (const char* d : lent) backend->lend_end(d);
  for (int fd : fds) ASSERT_EQ(backend->resume_recv(fd), 0);
  auto all_in = [&] {
    for (int i = 0; i < kStalled; ++i) {
      if (pump.data[kFirst + i].size() < kBytes) return false;
    }
    return true;
  };
  ASSERT_TRUE(pump.until(all_in, 10000, feed));
  for (int i = 0; i < kStalled; ++i) {
    EXPECT_TRUE(pump.data[kFirst + i] == payloads[i]) << "connection " << i << " lost or reordered";
  }
  EXPECT_EQ(pump.errors, 0);
}

TEST_P(BackendContract, ClosedSlotReusedGetsNoStaleCompletion) {
  constexpr uint64_t kOld = 21;
  constexpr uint64_t kNew = 22;
  int old_fd = -1;
  int peer = open_pair(backend_.get(), kOld, &old_fd);
  Pump pump(backend_.get());
  ASSERT_EQ(::send(peer, "first", 5, 0), 5);
  ASSERT_TRUE(pump.until([&] { return pump.data[kOld].size() == 5; }, 2000));
  // More data arrives while the receive is in flight; close without waiting for it.
  ASSERT_EQ(::send(peer, "second", 6, 0), 6);
  // The next connection waits in the backlog so that accepting it takes the freed fd number.
  int peer2 = connect_to(port_, false);
  ASSERT_GE(peer2, 0);
  peers_.push_back(peer2);
  usleep(20000);
  ASSERT_EQ(backend_->close(old_fd), 0);
  size_t mark = pump.all.size();
  int new_fd = accept_one(listen_fd_);
  EXPECT_EQ(new_fd, old_fd) << "expected the fd number to be reused";
  ASSERT_EQ(backend_->open(new_fd, kNew), 0);
  ASSERT_EQ(::send(peer2, "hello", 5, 0), 5);
  ASSERT_TRUE(pump.until([&] { return pump.data[kNew] == "hello"; }, 2000));
  ::close(peer);  // the old peer going away must not reach anyone either
  peers_.erase(peers_.begin());
  pump.idle(100);
  for (size_t i = mark; i < pump.all.size(); ++i) {
    EXPECT_NE(pump.all[i].token, kOld) << "stale completion for a closed socket";
  }
  EXPECT_EQ(pump.data[kNew], "hello");
}

TEST_P(BackendContract, CloseWithSendAndRecvInFlight) {
  constexpr uint64_t kTok = 31;
  int server_fd = -1;
  open_pair(backend_.get(), kTok, &server_fd);
  Pump pump(backend_.get());
  {
    auto payload = std::make_unique<std::string>(pattern(4 << 20, 9));
    auto iov = std::make_unique<iovec[]>(2);
    iov[0] = {payload->data(), 1 << 20};
    iov[1] = {payload->data() + (1 << 20), payload->size() - (1 << 20)};
    ASSERT_EQ(backend_->send(server_fd, iov.get(), 2), 0);
    pump.once(10);  // the send is submitted and stuck: the peer does not read
    pump.once(10);
    ASSERT_EQ(backend_->close(server_fd), 0);
    // The send's memory goes away right after close(), as protocol code is allowed to do.
  }
  EXPECT_EQ(backend_->close(server_fd), -EBADF);
  pump.idle(150);
  EXPECT_EQ(pump.count(kTok, Op::kSend), 0);
  EXPECT_EQ(pump.count(kTok, Op::kRecv), 0);
}

TEST_P(BackendContract, ConnectThenReceive) {
  constexpr uint64_t kTok = 41;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a = loopback(port_);
  ASSERT_EQ(backend_->connect(fd, kTok, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  Pump pump(backend_.get());
  ASSERT_TRUE(pump.until([&] { return pump.count(kTok, Op::kConnect) > 0; }, 3000));
  EXPECT_EQ(pump.first(kTok, Op::kConnect)->result, 0);
  int server = accept_one(listen_fd_);
  ASSERT_GE(server, 0);
  peers_.push_back(server);
  ASSERT_EQ(::send(server, "ping", 4, 0), 4);
  ASSERT_TRUE(pump.until([&] { return pump.data[kTok] == "ping"; }, 3000));
  // And sending works on the connected socket.
  char msg[] = "pong";
  iovec iov{msg, 4};
  ASSERT_EQ(backend_->send(fd, &iov, 1), 0);
  ASSERT_TRUE(pump.until([&] { return pump.count(kTok, Op::kSend) > 0; }, 3000));
  EXPECT_EQ(pump.first(kTok, Op::kSend)->result, 4);
  char got[8] = {};
  testing::set_nonblock(server);
  ASSERT_EQ(::recv(server, got, sizeof(got), 0), 4);
  EXPECT_STREQ(got, "pong");
  EXPECT_EQ(backend_->close(fd), 0);
}

TEST_P(BackendContract, ConnectToClosedPortIsRefused) {
  constexpr uint64_t kTok = 42;
  uint16_t dead_port = 0;
  int tmp = make_listener(&dead_port);
  ASSERT_GE(tmp, 0);
  ::close(tmp);  // nothing listens there any more
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a = loopback(dead_port);
  int rc = backend_->connect(fd, kTok, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  Pump pump(backend_.get());
  if (rc == 0) {
    ASSERT_TRUE(pump.until([&] { return pump.count(kTok, Op::kConnect) > 0; }, 3000));
    EXPECT_EQ(pump.first(kTok, Op::kConnect)->result, -ECONNREFUSED);
    pump.idle(30);
    EXPECT_EQ(pump.count(kTok, Op::kRecv), 0);
    EXPECT_EQ(backend_->close(fd), 0);
  } else {
    EXPECT_EQ(rc, -ECONNREFUSED);
    ::close(fd);
  }
}

TEST_P(BackendContract, PauseHoldsReceivesUntilResume) {
  constexpr uint64_t kTok = 51;
  int server_fd = -1;
  int peer = open_pair(backend_.get(), kTok, &server_fd, true);
  const std::string payload = pattern(2 << 20, 13);
  size_t written = 0;
  auto feed = [&] {
    while (written < payload.size()) {
      ssize_t n = ::send(peer, payload.data() + written, payload.size() - written, 0);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
  };
  Pump pump(backend_.get(), 4);
  // Pause in the middle of a stream, while data is in flight.
  ASSERT_TRUE(pump.until([&] { return pump.data[kTok].size() > 0; }, 3000, feed));
  ASSERT_EQ(backend_->pause_recv(server_fd), 0);
  size_t mark = pump.all.size();
  pump.until([] { return false; }, 200, feed);
  for (size_t i = mark; i < pump.all.size(); ++i) {
    EXPECT_NE(pump.all[i].op, Op::kRecv) << "kRecv while paused";
  }
  size_t paused_at = pump.data[kTok].size();
  EXPECT_LT(paused_at, payload.size());
  ASSERT_EQ(backend_->resume_recv(server_fd), 0);
  ASSERT_TRUE(pump.until([&] { return pump.data[kTok].size() >= payload.size(); }, 10000, feed));
  EXPECT_GT(pump.data[kTok].size(), paused_at);
  EXPECT_TRUE(pump.data[kTok] == payload) << "bytes lost or reordered across pause/resume";
  // A second pause/resume with nothing in flight.
  ASSERT_EQ(backend_->pause_recv(server_fd), 0);
  ASSERT_EQ(::send(peer, "tail", 4, 0), 4);
  pump.idle(100);
  EXPECT_EQ(pump.data[kTok].size(), payload.size());
  ASSERT_EQ(backend_->resume_recv(server_fd), 0);
  ASSERT_TRUE(pump.until([&] { return pump.data[kTok].size() == payload.size() + 4; }, 3000));
  EXPECT_EQ(pump.data[kTok].substr(payload.size()), "tail");
}

// Sub-millisecond timeouts are honoured, not rounded to zero (a busy poll) or to whole ms.
TEST_P(BackendContract, MicrosecondTimeoutSleepsThatLong) {
  Completion out[4];
  std::vector<double> took_us;
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    int rc = backend_->wait(out, 4, 300);
    auto took = std::chrono::steady_clock::now() - start;
    if (rc == 0) took_us.push_back(std::chrono::duration<double, std::micro>(took).count());
  }
  ASSERT_GE(took_us.size(), 10u);
  std::sort(took_us.begin(), took_us.end());
  EXPECT_GE(took_us.front(), 250.0);
  EXPECT_LT(took_us[took_us.size() / 2], 2000.0) << "median wait of a 300 us timeout";
}

// A timeout of a few microseconds runs out while wait() is working out what is left of it: that
// must end the wait, never turn into "no timeout". A watchdog interrupts a wait that hangs.
TEST_P(BackendContract, TimeoutThatRunsOutDuringTheCallNeverBlocksForever) {
  struct sigaction sa {};
  struct sigaction old {};
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  std::atomic<int64_t> entered_ns{0};
  std::atomic<bool> done{false};
  std::atomic<int> rescued{0};
  pthread_t self = pthread_self();
  std::thread watchdog([&] {
    while (!done.load()) {
      usleep(20000);
      int64_t at = entered_ns.load();
      if (at != 0 && now_ns() - at > 500'000'000) {
        ++rescued;
        pthread_kill(self, SIGUSR1);
      }
    }
  });
  Completion out[4];
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
  int calls = 0;
  while (std::chrono::steady_clock::now() < end) {
    entered_ns.store(now_ns());
    backend_->wait(out, 4, 1 + calls % 4);
    entered_ns.store(0);
    ++calls;
  }
  done = true;
  watchdog.join();
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_EQ(rescued.load(), 0) << "a wait of a few microseconds hung until interrupted, in "
                               << calls << " calls";
}

TEST_P(BackendContract, ZeroTimeoutDoesNotBlock) {
  Completion out[4];
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(backend_->wait(out, 4, 0), 0);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(100));
  // A timed wait sleeps (-EINTR is allowed: io_uring task work of an earlier test's ring can
  // interrupt epoll_wait in this thread).
  start = std::chrono::steady_clock::now();
  int rc = -EINTR;
  while (rc == -EINTR && std::chrono::steady_clock::now() - start < std::chrono::milliseconds(45)) {
    rc = backend_->wait(out, 4, 50'000);
  }
  EXPECT_EQ(rc, 0);
  took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(45));
}

TEST_P(BackendContract, CompletionsBoundedByMax) {
  constexpr int kConns = 6;
  std::vector<int> peers;
  for (int i = 0; i < kConns; ++i) peers.push_back(open_pair(backend_.get(), 60 + i));
  for (int p : peers) ASSERT_EQ(::send(p, "x", 1, 0), 1);
  usleep(20000);
  Completion out[2];
  int total = 0;
  for (int i = 0; i < 50 && total < kConns; ++i) {
    int n = backend_->wait(out, 2, 10'000);
    ASSERT_GE(n, 0);
    ASSERT_LE(n, 2);
    total += n;
  }
  EXPECT_EQ(total, kConns);
}

TEST_P(BackendContract, SignalInterruptsWait) {
  struct sigaction sa {};
  struct sigaction old {};
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // even so, wait() must come back with -EINTR
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  // Something to submit on entry, so the sleeping enter is not also a submitting one.
  ASSERT_EQ(backend_->start_accept(listen_fd_, 99, AcceptWake::kEvery), 0);
  pthread_t self = pthread_self();
  std::thread killer([self] {
    usleep(50000);
    pthread_kill(self, SIGUSR1);
  });
  Completion out[4];
  auto start = std::chrono::steady_clock::now();
  int rc = backend_->wait(out, 4, 5'000'000);
  auto took = std::chrono::steady_clock::now() - start;
  killer.join();
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_EQ(rc, -EINTR);
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendContract, test::every_backend_and({test::kUringFallback}),
                         test::backend_name);

}  // namespace
}  // namespace percore::io
