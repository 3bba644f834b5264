// The IOCP backend against the rules of core/io/backend.h, over loopback, with plain blocking
// Winsock sockets as the peers. Built only for Windows (cmake/windows.cmake); under Wine in
// `make test-windows`.
#include <errno.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/io/factory.h"
#include "core/io/iocp_backend.h"
#include "core/net/address.h"
#include "core/net/socket.h"
#include "core/net/winsock.h"

namespace percore::io {
namespace {

std::string pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) % 251);
  return s;
}

net::Address loopback(uint16_t port) {
  net::Address a;
  std::string error;
  EXPECT_TRUE(net::parse_address("127.0.0.1:" + std::to_string(port), &a, &error)) << error;
  return a;
}

// A blocking client socket connected to 127.0.0.1:port.
SOCKET connect_peer(uint16_t port) {
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  net::Address a = loopback(port);
  EXPECT_EQ(::connect(s, a.sa(), a.len), 0) << WSAGetLastError();
  DWORD ms = 10000;
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms), sizeof(ms));
  return s;
}

std::string read_until_eof(SOCKET s, size_t limit) {
  std::string got;
  char buf[65536];
  while (got.size() < limit) {
    int n = recv(s, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Calls wait() until `done` says so or 10 s pass; keeps completions and received bytes.
struct Pump {
  explicit Pump(Backend& b) : backend(b) {}
  Backend& backend;
  std::vector<Completion> seen;
  std::map<uint64_t, std::string> bytes;
  std::map<uint64_t, int> recv_end;  // the receive result that ended a stream (0 or -errno)

  bool until(const std::function<bool()>& done, int64_t budget_ms = 10000) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
    Completion out[64];
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      int n = backend.wait(out, 64, 20'000);
      if (n < 0) return false;
      for (int i = 0; i < n; ++i) {
        Completion c = out[i];
        if (c.op == Op::kRecv) {
          if (c.result > 0) {
            bytes[c.token].append(c.data, static_cast<size_t>(c.result));
          } else {
            recv_end[c.token] = c.result;
          }
        }
        c.data = nullptr;
        seen.push_back(c);
      }
    }
    return true;
  }

  int count(Op op, uint64_t token) const {
    int n = 0;
    for (const Completion& c : seen) n += c.op == op && c.token == token;
    return n;
  }
  const Completion* first(Op op) const {
    for (const Completion& c : seen) {
      if (c.op == op) return &c;
    }
    return nullptr;
  }
};

constexpr uint64_t kListen = uint64_t{1} << 40;

class IocpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(net::ensure_winsock(), 0);
    std::string error;
    backend_ = make_backend(BackendKind::kIocp, &error);
    ASSERT_NE(backend_, nullptr) << error;
    listen_fd_ = net::bind_exclusive(loopback(0), 128);
    ASSERT_GE(listen_fd_, 0);
    net::Address bound;
    ASSERT_TRUE(net::local_address(listen_fd_, &bound));
    port_ = bound.port();
  }
  void TearDown() override {
    for (SOCKET s : peers_) closesocket(s);
    // A listener the backend never accepted on is still the test's to close.
    if (backend_ && backend_->close(listen_fd_) == -EBADF) net::close_socket(listen_fd_);
    backend_.reset();
  }

  // Accepts one connection through the backend and opens it under `token`.
  SOCKET open_pair(uint64_t token, int* fd_out = nullptr) {
    SOCKET peer = connect_peer(port_);
    peers_.push_back(peer);
    Pump p{*backend_};
    EXPECT_TRUE(p.until([&] { return p.first(Op::kAccept) != nullptr; }));
    const Completion* a = p.first(Op::kAccept);
    if (a == nullptr) return peer;
    EXPECT_GE(a->result, 0);
    EXPECT_EQ(backend_->open(a->result, token), 0);
    if (fd_out != nullptr) *fd_out = a->result;
    return peer;
  }

  std::unique_ptr<Backend> backend_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::vector<SOCKET> peers_;
};

TEST_F(IocpTest, NameAndFactory) {
  EXPECT_STREQ(backend_->name(), "iocp");
  BackendKind k = BackendKind::kEpoll;
  EXPECT_TRUE(parse_backend_kind("auto", &k));
  EXPECT_EQ(k, BackendKind::kIocp);
  EXPECT_FALSE(parse_backend_kind("epoll", &k));
  EXPECT_FALSE(parse_backend_kind("uring", &k));
}

TEST_F(IocpTest, AcceptReceiveSendEof) {
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  int fd = -1;
  SOCKET peer = open_pair(7, &fd);
  ASSERT_EQ(send(peer, "hello", 5, 0), 5);
  Pump p{*backend_};
  ASSERT_TRUE(p.until([&] { return p.bytes[7].size() >= 5; }));
  EXPECT_EQ(p.bytes[7], "hello");
  char out[] = "world";
  iovec iov{out, 5};
  ASSERT_EQ(backend_->send(fd, &iov, 1), 0);
  ASSERT_TRUE(p.until([&] { return p.count(Op::kSend, 7) == 1; }));
  EXPECT_EQ(p.first(Op::kSend)->result, 5);
  char buf[8] = {};
  ASSERT_EQ(recv(peer, buf, sizeof(buf), 0), 5);
  EXPECT_EQ(std::string(buf, 5), "world");
  shutdown(peer, SD_SEND);
  ASSERT_TRUE(p.until([&] { return p.recv_end.count(7) == 1; }));
  EXPECT_EQ(p.recv_end[7], 0);
  EXPECT_EQ(backend_->close(fd), 0);
}

TEST_F(IocpTest, StopAcceptHoldsConnectionsUntilStart) {
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  ASSERT_EQ(backend_->stop_accept(listen_fd_), 0);
  peers_.push_back(connect_peer(port_));
  Pump p{*backend_};
  p.until([] { return false; }, 300);
  EXPECT_EQ(p.count(Op::kAccept, kListen), 0);
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  ASSERT_TRUE(p.until([&] { return p.count(Op::kAccept, kListen) == 1; }));
  const Completion* a = p.first(Op::kAccept);
  ASSERT_GE(a->result, 0);
  net::close_socket(a->result);
}

TEST_F(IocpTest, StreamArrivesInOrderAcrossManyReceives) {
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  SOCKET peer = open_pair(9);
  std::string data = pattern(3 << 20, 5);
  std::thread writer([&] {
    for (size_t off = 0; off < data.size(); off += 7000) {
      int n = static_cast<int>(std::min<size_t>(7000, data.size() - off));
      send(peer, data.data() + off, n, 0);
    }
    shutdown(peer, SD_SEND);
  });
  Pump p{*backend_};
  bool ok = p.until([&] { return p.recv_end.count(9) == 1; }, 30000);
  writer.join();
  ASSERT_TRUE(ok);
  EXPECT_EQ(p.bytes[9].size(), data.size());
  EXPECT_TRUE(p.bytes[9] == data);
}

TEST_F(IocpTest, LargeSendCompletesOnceWithTotal) {
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  int fd = -1;
  SOCKET peer = open_pair(11, &fd);
  std::string a = pattern(2 << 20, 1), b = pattern(1 << 20, 2);
  iovec iov[2] = {{a.data(), a.size()}, {b.data(), b.size()}};
  ASSERT_EQ(backend_->send(fd, iov, 2), 0);
  std::string got;
  std::thread reader([&] { got = read_until_eof(peer, a.size() + b.size()); });
  Pump p{*backend_};
  ASSERT_TRUE(p.until([&] { return p.count(Op::kSend, 11) == 1; }, 30000));
  reader.join();
  EXPECT_EQ(p.first(Op::kSend)->result, static_cast<int>(a.size() + b.size()));
  EXPECT_TRUE(got == a + b);
}

TEST_F(IocpTest, PauseHoldsReceivesUntilResume) {
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  int fd = -1;
  SOCKET peer = open_pair(13, &fd);
  ASSERT_EQ(backend_->pause_recv(fd), 0);
  ASSERT_EQ(send(peer, "abc", 3, 0), 3);
  Pump p{*backend_};
  p.until([] { return false; }, 300);
  EXPECT_EQ(p.count(Op::kRecv, 13), 0);
  ASSERT_EQ(send(peer, "def", 3, 0), 3);
  ASSERT_EQ(backend_->resume_recv(fd), 0);
  ASSERT_TRUE(p.until([&] { return p.bytes[13].size() >= 6; }));
  EXPECT_EQ(p.bytes[13], "abcdef");
}

TEST_F(IocpTest, CloseWhenSentDeliversEverythingThenEof) {
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  int fd = -1;
  SOCKET peer = open_pair(15, &fd);
  std::string data = pattern(1 << 20, 3);
  iovec iov{data.data(), data.size()};
  ASSERT_EQ(backend_->send(fd, &iov, 1), 0);
  // Later when Windows has not taken the whole send yet: one kClosed then says it is done.
  int rc = backend_->close_when_sent(fd);
  ASSERT_TRUE(rc == 0 || rc == Backend::kClosesLater) << rc;
  std::string got;
  std::thread reader([&] { got = read_until_eof(peer, data.size() + 1); });
  Pump p{*backend_};
  int closed_wanted = rc == Backend::kClosesLater ? 1 : 0;
  p.until([&] { return got.size() == data.size() && p.count(Op::kClosed, 15) == closed_wanted; },
          20000);
  reader.join();
  EXPECT_TRUE(got == data);
  EXPECT_EQ(p.count(Op::kSend, 15), 0);  // only kClosed after close_when_sent
  EXPECT_EQ(p.count(Op::kClosed, 15), closed_wanted);
}

TEST_F(IocpTest, ClosedSocketGetsNoLaterCompletion) {
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  int fd = -1;
  SOCKET peer = open_pair(17, &fd);
  ASSERT_EQ(backend_->close(fd), 0);
  send(peer, "late", 4, 0);
  Pump p{*backend_};
  p.until([] { return false; }, 300);
  EXPECT_EQ(p.count(Op::kRecv, 17), 0);
  EXPECT_EQ(backend_->close(fd), -EBADF);
}

TEST_F(IocpTest, ConnectThenReceive) {
  int fd = net::stream_socket(loopback(0));
  ASSERT_GE(fd, 0);
  net::Address to = loopback(port_);
  ASSERT_EQ(backend_->connect(fd, 21, to.sa(), to.len), 0);
  SOCKET server_side = INVALID_SOCKET;
  std::thread acceptor([&] { server_side = accept(net::to_socket(listen_fd_), nullptr, nullptr); });
  Pump p{*backend_};
  ASSERT_TRUE(p.until([&] { return p.count(Op::kConnect, 21) == 1; }));
  acceptor.join();
  ASSERT_NE(server_side, INVALID_SOCKET);
  peers_.push_back(server_side);
  EXPECT_EQ(p.first(Op::kConnect)->result, 0);
  ASSERT_EQ(send(server_side, "pong", 4, 0), 4);
  ASSERT_TRUE(p.until([&] { return p.bytes[21].size() >= 4; }));
  EXPECT_EQ(p.bytes[21], "pong");
  backend_->close(fd);
}

TEST_F(IocpTest, ConnectToClosedPortIsRefused) {
  int probe = net::bind_exclusive(loopback(0), 0);
  ASSERT_GE(probe, 0);
  net::Address closed;
  ASSERT_TRUE(net::local_address(probe, &closed));
  net::close_socket(probe);
  int fd = net::stream_socket(closed);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(backend_->connect(fd, 23, closed.sa(), closed.len), 0);
  Pump p{*backend_};
  ASSERT_TRUE(p.until([&] { return p.count(Op::kConnect, 23) == 1; }));
  EXPECT_EQ(p.first(Op::kConnect)->result, -ECONNREFUSED);
  backend_->close(fd);
}

TEST_F(IocpTest, DatagramRoundTrip) {
  int fd = net::bind_udp(loopback(0));
  ASSERT_GE(fd, 0);
  net::Address bound;
  ASSERT_TRUE(net::local_address(fd, &bound));
  ASSERT_EQ(backend_->open_datagram(fd, 31), 0);
  SOCKET peer = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  peers_.push_back(peer);
  DWORD ms = 5000;
  setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms), sizeof(ms));
  for (int i = 0; i < 50; ++i) {
    std::string d = "datagram " + std::to_string(i);
    sendto(peer, d.data(), static_cast<int>(d.size()), 0, bound.sa(), bound.len);
  }
  Pump p{*backend_};
  std::vector<std::string> got;
  PeerAddress from{};
  Completion out[64];
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.size() < 50 && std::chrono::steady_clock::now() < end) {
    int n = backend_->wait(out, 64, 20'000);
    for (int i = 0; i < n; ++i) {
      if (out[i].op != Op::kRecvFrom || out[i].result < 0) continue;
      got.emplace_back(out[i].data, static_cast<size_t>(out[i].result));
      from = *out[i].peer;
    }
  }
  ASSERT_EQ(got.size(), 50u);
  OutDatagram reply{"back", 4, &from, 3};
  ASSERT_EQ(backend_->send_datagrams(fd, &reply, 1), 1);
  ASSERT_TRUE(p.until([&] { return p.first(Op::kSendTo) != nullptr; }));
  EXPECT_EQ(p.first(Op::kSendTo)->result, 1);
  char buf[16] = {};
  ASSERT_EQ(recv(peer, buf, sizeof(buf), 0), 4);
  EXPECT_EQ(std::string(buf, 4), "back");
  EXPECT_EQ(backend_->datagram_stats().datagrams_sent, 1u);
  backend_->close(fd);
}

// Windows has no SO_REUSEPORT: worker threads share one listener, and the backend that owns its
// AcceptEx operations hands every other connection to the next accepting backend.
TEST_F(IocpTest, SharedListenerSpreadsConnectionsOverBackends) {
  std::string error;
  std::unique_ptr<Backend> other = make_backend(BackendKind::kIocp, &error);
  ASSERT_NE(other, nullptr) << error;
  ASSERT_EQ(backend_->start_accept(listen_fd_, kListen, AcceptWake::kEvery), 0);
  ASSERT_EQ(other->start_accept(listen_fd_, kListen + 1, AcceptWake::kEvery), 0);
  for (int i = 0; i < 10; ++i) peers_.push_back(connect_peer(port_));
  Pump a{*backend_}, b{*other};
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (a.count(Op::kAccept, kListen) + b.count(Op::kAccept, kListen + 1) < 10 &&
         std::chrono::steady_clock::now() < end) {
    a.until([] { return false; }, 20);
    b.until([] { return false; }, 20);
  }
  EXPECT_EQ(a.count(Op::kAccept, kListen), 5);
  EXPECT_EQ(b.count(Op::kAccept, kListen + 1), 5);
  for (const Completion& c : a.seen) net::close_socket(c.result);
  for (const Completion& c : b.seen) net::close_socket(c.result);
  other->close(listen_fd_);
}

TEST(IocpErrors, WinsockErrorsMapToErrno) {
  EXPECT_EQ(errno_from_wsa(WSAECONNRESET), ECONNRESET);
  EXPECT_EQ(errno_from_wsa(ERROR_CONNECTION_REFUSED), ECONNREFUSED);
  EXPECT_EQ(errno_from_wsa(WSAEMFILE), EMFILE);
  EXPECT_EQ(errno_from_wsa(ERROR_OPERATION_ABORTED), ECANCELED);
  EXPECT_EQ(errno_from_wsa(WSAEHOSTUNREACH), EHOSTUNREACH);
}

}  // namespace
}  // namespace percore::io
