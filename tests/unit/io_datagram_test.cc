// Datagram contract tests, run against every event-loop backend over loopback UDP sockets.
#include <errno.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/io/backend.h"
#include "core/io/factory.h"
#include "core/io/udp_offload.h"
#include "core/io/uring_backend.h"
#include "tests/support/backend_test.h"
#include "tests/unit/io_test_util.h"

namespace percore::io {
namespace {

using testing::loopback;
using testing::pattern;

// A UDP socket on 127.0.0.1 with a kernel-chosen port; blocking unless told otherwise.
int make_udp(PeerAddress* addr, bool nonblocking, int rcvbuf = 0) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) {
    ::close(fd);
    return -1;
  }
  addr->addr.v4 = a;
  addr->len = sizeof(a);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

struct Received {
  std::string bytes;
  PeerAddress from;
};

class DatagramTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why = test::backend_skip_reason(variant().io);
    if (!why.empty()) GTEST_SKIP() << why;
    backend_ = make();
    ASSERT_NE(backend_, nullptr);
  }
  void TearDown() override {
    backend_.reset();
    for (int fd : fds_) ::close(fd);
  }

  const test::BackendVariant& variant() const { return test::backend_variant(GetParam()); }

  std::unique_ptr<Backend> make() {
    std::string error;
    std::unique_ptr<Backend> b = test::make_variant_backend(variant(), UringOptions{}, &error);
    EXPECT_NE(b, nullptr) << error;
    return b;
  }

  // A plain blocking UDP socket the test drives directly (closed by the fixture).
  int peer(PeerAddress* addr, int rcvbuf = 0) {
    int fd = make_udp(addr, false, rcvbuf);
    EXPECT_GE(fd, 0);
    fds_.push_back(fd);
    return fd;
  }

  // A socket registered with `b` under `token` (closed by the backend).
  int registered(Backend* b, uint64_t token, PeerAddress* addr, int rcvbuf = 0) {
    int fd = make_udp(addr, true, rcvbuf);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(b->open_datagram(fd, token), 0);
    return fd;
  }

  // Pumps `b` until `want` datagrams arrived or 3 s passed; also totals kSendTo results.
  std::vector<Received> pump(Backend* b, size_t want, int idle_ms = 0) {
    std::vector<Received> got;
    Completion comps[64];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while ((got.size() < want || idle_ms > 0) && std::chrono::steady_clock::now() < deadline) {
      int n = b->wait(comps, 64, 5000);
      if (n == 0 && (got.size() >= want || idle_ms > 0)) break;
      for (int i = 0; i < n; ++i) {
        const Completion& c = comps[i];
        if (c.op == Op::kSendTo) {
          if (c.result > 0) {
            sent_ok_ += c.result;
          } else {
            send_errors_.push_back(c);
          }
        } else if (c.op == Op::kRecvFrom) {
          if (c.result < 0) {
            ++recv_errors_;
            continue;
          }
          for_each_datagram(c, [&](const char* p, uint32_t len) {
            got.push_back(Received{std::string(p, len), *c.peer});
          });
        }
      }
    }
    return got;
  }

  static std::string recv_one(int fd) {
    std::string buf(65536, '\0');
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) return "<recv failed: " + std::string(strerror(errno)) + ">";
    buf.resize(static_cast<size_t>(n));
    return buf;
  }

  static void send_to(int fd, const std::string& bytes, const PeerAddress& to) {
    ASSERT_EQ(sendto(fd, bytes.data(), bytes.size(), 0, &to.addr.sa, to.len),
              static_cast<ssize_t>(bytes.size()));
  }

  std::unique_ptr<Backend> backend_;
  std::vector<int> fds_;
  int64_t sent_ok_ = 0;
  int recv_errors_ = 0;
  std::vector<Completion> send_errors_;
};

TEST_P(DatagramTest, EchoesEverySizeWithTheSendersAddress) {
  PeerAddress server_addr, client_addr;
  int server = registered(backend_.get(), 1, &server_addr);
  int client = peer(&client_addr);
  const std::vector<size_t> sizes = {0, 1, 64, 1000, 1472, 9000, 65507};
  for (size_t i = 0; i < sizes.size(); ++i) send_to(client, pattern(sizes[i], i), server_addr);
  std::vector<Received> got = pump(backend_.get(), sizes.size());
  ASSERT_EQ(got.size(), sizes.size());
  std::vector<OutDatagram> replies;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].bytes, pattern(sizes[i], i)) << "datagram " << i;
    ASSERT_EQ(got[i].from.len, client_addr.len);
    EXPECT_EQ(got[i].from.addr.v4.sin_port, client_addr.addr.v4.sin_port);
    EXPECT_EQ(got[i].from.addr.v4.sin_addr.s_addr, client_addr.addr.v4.sin_addr.s_addr);
    replies.push_back(OutDatagram{got[i].bytes.data(), static_cast<uint32_t>(got[i].bytes.size()),
                                  &got[i].from, 0});
  }
  ASSERT_EQ(backend_->send_datagrams(server, replies.data(), static_cast<int>(replies.size())),
            static_cast<int>(replies.size()));
  replies.clear();  // the backend copied the bytes
  pump(backend_.get(), 0, 1);
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(recv_one(client), pattern(sizes[i], i)) << "reply " << i;
  }
  EXPECT_EQ(sent_ok_, static_cast<int64_t>(sizes.size()));
  EXPECT_TRUE(send_errors_.empty());
}

TEST_P(DatagramTest, RunOfEqualDatagramsArrivesOneByOne) {
  PeerAddress server_addr, client_addr;
  int server = registered(backend_.get(), 1, &server_addr);
  int client = peer(&client_addr);
  std::vector<std::string> bodies;
  for (int i = 0; i < 100; ++i) bodies.push_back(pattern(i == 99 ? 300 : 1000, i));
  std::vector<OutDatagram> out;
  for (const std::string& b : bodies) {
    out.push_back(OutDatagram{b.data(), static_cast<uint32_t>(b.size()), &client_addr, 3});
  }
  ASSERT_EQ(backend_->send_datagrams(server, out.data(), static_cast<int>(out.size())), 100);
  pump(backend_.get(), 0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(recv_one(client), bodies[i]) << "datagram " << i;
  EXPECT_EQ(sent_ok_, 100);
  if (udp_offload().gso) {
    EXPECT_GE(backend_->datagram_stats().gso_batches, 1u) << "GSO is on but no run was merged";
  }
}

TEST_P(DatagramTest, GroCoalescedReceiveSplitsIntoTheSentDatagrams) {
  // Backend to backend: the receiving socket has UDP_GRO, so a GSO run may arrive whole.
  PeerAddress a_addr, b_addr;
  int a = registered(backend_.get(), 1, &a_addr);
  registered(backend_.get(), 2, &b_addr);
  std::vector<std::string> bodies;
  std::vector<OutDatagram> out;
  for (int i = 0; i < 40; ++i) bodies.push_back(pattern(1200, 100 + i));
  for (const std::string& b : bodies) {
    out.push_back(OutDatagram{b.data(), static_cast<uint32_t>(b.size()), &b_addr, 0});
  }
  ASSERT_EQ(backend_->send_datagrams(a, out.data(), static_cast<int>(out.size())), 40);
  std::vector<Received> got = pump(backend_.get(), 40);
  ASSERT_EQ(got.size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(got[i].bytes, bodies[i]) << "datagram " << i;
  if (udp_offload().gso && udp_offload().gro) {
    EXPECT_GE(backend_->datagram_stats().gro_receives, 1u);
  }
}

TEST_P(DatagramTest, FailedDatagramIsReportedWithItsTagAndTheRestGoOut) {
  PeerAddress server_addr, client_addr;
  int server = registered(backend_.get(), 1, &server_addr);
  int client = peer(&client_addr);
  // An IPv6 destination on an IPv4 socket fails at once with EAFNOSUPPORT, in the middle of a
  // batch, without any network outside loopback.
  PeerAddress v6{};
  v6.addr.v6.sin6_family = AF_INET6;
  v6.addr.v6.sin6_port = htons(9);
  v6.addr.v6.sin6_addr = in6addr_loopback;
  v6.len = sizeof(sockaddr_in6);
  std::string a = pattern(100, 1), b = pattern(100, 2), c = pattern(200, 3);
  OutDatagram out[] = {{a.data(), 100, &client_addr, 1},
                       {b.data(), 100, &v6, 7},
                       {c.data(), 200, &client_addr, 1},
                       {a.data(), 100, &client_addr, 1}};
  ASSERT_EQ(backend_->send_datagrams(server, out, 4), 4);
  pump(backend_.get(), 0, 1);
  ASSERT_EQ(send_errors_.size(), 1u);
  EXPECT_EQ(send_errors_[0].result, -EAFNOSUPPORT);
  EXPECT_EQ(send_errors_[0].tag, 7u);
  EXPECT_EQ(send_errors_[0].count, 1);
  EXPECT_EQ(sent_ok_, 3);
  EXPECT_EQ(recv_one(client), a);
  EXPECT_EQ(recv_one(client), c);
  EXPECT_EQ(recv_one(client), a);
  // The socket keeps working after the error.
  ASSERT_EQ(backend_->send_datagrams(server, out, 1), 1);
  pump(backend_.get(), 0, 1);
  EXPECT_EQ(recv_one(client), a);
}

TEST_P(DatagramTest, KernelDropsAreCounted) {
  PeerAddress server_addr, client_addr;
  registered(backend_.get(), 1, &server_addr, 4096);
  int client = peer(&client_addr);
  const int kSent = 500;
  std::string body = pattern(1000, 9);
  for (int i = 0; i < kSent; ++i) send_to(client, body, server_addr);  // nobody reads meanwhile
  std::vector<Received> got = pump(backend_.get(), kSent, 1);
  ASSERT_LT(got.size(), static_cast<size_t>(kSent)) << "a 4 KiB receive buffer held everything";
  // The drop count rides on the next datagram queued after the drops.
  send_to(client, body, server_addr);
  std::vector<Received> last = pump(backend_.get(), 1);
  ASSERT_EQ(last.size(), 1u);
  DatagramStats st = backend_->datagram_stats();
  EXPECT_EQ(got.size() + st.kernel_drops, static_cast<size_t>(kSent));
}

TEST_P(DatagramTest, FullSendQueueTakesFewerAndCloseDropsTheRest) {
  PeerAddress server_addr, client_addr;
  int server = registered(backend_.get(), 1, &server_addr);
  peer(&client_addr);
  std::string body = pattern(2000, 5);  // too large for a GSO run: one slot each
  std::vector<OutDatagram> out(3000, OutDatagram{body.data(), 2000, &client_addr, 0});
  int taken = backend_->send_datagrams(server, out.data(), 3000);
  EXPECT_GT(taken, 0);
  EXPECT_LT(taken, 3000);
  EXPECT_EQ(backend_->close(server), 0);
  pump(backend_.get(), 0, 1);
  EXPECT_EQ(sent_ok_, 0) << "a completion arrived for a closed socket";
  // The slots came back: a new socket can queue again.
  PeerAddress again;
  int fd = registered(backend_.get(), 2, &again);
  EXPECT_EQ(backend_->send_datagrams(fd, out.data(), 10), 10);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatagramTest, test::every_backend(), test::backend_name);

}  // namespace
}  // namespace percore::io
