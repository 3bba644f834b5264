// --source parsing: lists and ranges of one family, and the errors for everything else.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "client/run/source_addresses.h"

namespace percore::client {
namespace {

std::vector<std::string> parsed(const std::string& text, int family) {
  std::vector<net::Address> out;
  std::string error;
  EXPECT_TRUE(parse_sources(text, family, &out, &error)) << error;
  std::vector<std::string> s;
  for (const auto& a : out) s.push_back(a.to_string());
  return s;
}

std::string refused(const std::string& text, int family) {
  std::vector<net::Address> out;
  std::string error;
  EXPECT_FALSE(parse_sources(text, family, &out, &error)) << text;
  EXPECT_EQ(error.find('\n'), std::string::npos);
  return error;
}

TEST(SourceAddresses, ListsAndRanges) {
  EXPECT_EQ(parsed("127.0.0.2-127.0.0.4", AF_INET),
            (std::vector<std::string>{"127.0.0.2:0", "127.0.0.3:0", "127.0.0.4:0"}));
  EXPECT_EQ(parsed("10.0.0.255-10.0.1.0,10.9.9.9", AF_INET),
            (std::vector<std::string>{"10.0.0.255:0", "10.0.1.0:0", "10.9.9.9:0"}));
  EXPECT_EQ(parsed("::1", AF_INET6), (std::vector<std::string>{"[::1]:0"}));
  EXPECT_EQ(parsed("[fd00::ff]-fd00::101", AF_INET6),
            (std::vector<std::string>{"[fd00::ff]:0", "[fd00::100]:0", "[fd00::101]:0"}));
  EXPECT_EQ(parsed("127.0.0.2-127.0.0.40", AF_INET).size(), 39u);
}

TEST(SourceAddresses, RefusesWhatIsNotAListOfTheTargetsFamily) {
  EXPECT_NE(refused("::1", AF_INET).find("IPv4"), std::string::npos);
  EXPECT_NE(refused("127.0.0.1", AF_INET6).find("IPv6"), std::string::npos);
  refused("127.0.0.5-127.0.0.2", AF_INET);
  refused("127.0.0.1-", AF_INET);
  refused("127.0.0.1,,127.0.0.2", AF_INET);
  refused("localhost", AF_INET);
  refused("fd00::1-fd01::1", AF_INET6);  // differs above the low 64 bits
  EXPECT_NE(refused("10.0.0.0-10.255.255.255", AF_INET).find("more than"), std::string::npos);
}

}  // namespace
}  // namespace percore::client
