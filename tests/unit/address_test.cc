#include "core/net/address.h"

#include <gtest/gtest.h>

namespace percore::net {
namespace {

TEST(Address, ParsesIpv4Ipv6AndLocalhost) {
  Address a;
  std::string err;
  ASSERT_TRUE(parse_address("127.0.0.1:8080", &a, &err)) << err;
  EXPECT_EQ(a.family(), AF_INET);
  EXPECT_EQ(a.port(), 8080);
  EXPECT_EQ(a.to_string(), "127.0.0.1:8080");
  ASSERT_TRUE(parse_address("[::1]:0", &a, &err)) << err;
  EXPECT_EQ(a.family(), AF_INET6);
  EXPECT_EQ(a.to_string(), "[::1]:0");
  ASSERT_TRUE(parse_address("localhost:65535", &a, &err)) << err;
  EXPECT_EQ(a.to_string(), "127.0.0.1:65535");
}

TEST(Address, RejectsWithAReason) {
  Address a;
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80x", "::1:80",
                          "[::1]80", "example.com:80", "1.2.3:80", ""}) {
    std::string err;
    EXPECT_FALSE(parse_address(bad, &a, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

}  // namespace
}  // namespace percore::net
