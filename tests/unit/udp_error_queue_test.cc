// The error queue of an unconnected UDP socket on loopback: a datagram to a closed port comes
// back as ECONNREFUSED naming that destination, and endpoints compare by address and port only.
#include "core/net/udp_error_queue.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>

namespace percore::net {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A port on 127.0.0.1 nothing listens on: bound, read and closed again.
uint16_t closed_port() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a = loopback(0);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

TEST(UdpErrorQueue, ADatagramToAClosedPortReturnsConnRefusedNamingItsDestination) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(enable_udp_error_queue(fd, AF_INET), 0);
  UdpError e{};
  EXPECT_EQ(read_udp_error(fd, &e), 0) << "empty queue";
  sockaddr_in dead = loopback(closed_port());
  ASSERT_EQ(sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&dead), sizeof(dead)), 1);
  int rc = 0;
  for (int i = 0; i < 100 && rc == 0; ++i) {
    rc = read_udp_error(fd, &e);
    if (rc == 0) usleep(10'000);
  }
  ASSERT_EQ(rc, 1);
  EXPECT_TRUE(e.icmp);
  EXPECT_EQ(e.err, ECONNREFUSED);
  EXPECT_TRUE(
      same_endpoint(reinterpret_cast<sockaddr*>(&e.dest), reinterpret_cast<sockaddr*>(&dead)));
  EXPECT_EQ(read_udp_error(fd, &e), 0) << "one error, read once";
  // Reading the queue dry also cleared the pending error: the next send goes out.
  EXPECT_EQ(sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&dead), sizeof(dead)), 1);
  close(fd);
}

TEST(UdpErrorQueue, WithoutTheOptionAnUnconnectedSocketHearsNothing) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in dead = loopback(closed_port());
  ASSERT_EQ(sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&dead), sizeof(dead)), 1);
  usleep(20'000);
  UdpError e{};
  EXPECT_EQ(read_udp_error(fd, &e), 0);
  close(fd);
}

TEST(UdpErrorQueue, EndpointsCompareByFamilyAddressAndPort) {
  sockaddr_in a = loopback(5000), b = loopback(5000), c = loopback(5001);
  std::memset(b.sin_zero, 0x55, sizeof(b.sin_zero));  // padding does not count
  auto sa = [](const auto& x) { return reinterpret_cast<const sockaddr*>(&x); };
  EXPECT_TRUE(same_endpoint(sa(a), sa(b)));
  EXPECT_FALSE(same_endpoint(sa(a), sa(c)));
  sockaddr_in6 x{}, y{};
  x.sin6_family = y.sin6_family = AF_INET6;
  x.sin6_port = y.sin6_port = htons(5000);
  x.sin6_addr = y.sin6_addr = in6addr_loopback;
  y.sin6_flowinfo = htonl(7);  // nor the flow label
  EXPECT_TRUE(same_endpoint(sa(x), sa(y)));
  y.sin6_port = htons(5001);
  EXPECT_FALSE(same_endpoint(sa(x), sa(y)));
  EXPECT_FALSE(same_endpoint(sa(a), sa(x)));
}

}  // namespace
}  // namespace percore::net
