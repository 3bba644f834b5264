// libpercore_preload.so's decisions without preloading anything: environment parsing, the
// allow-list and its override, the port filter, CPU-mask arithmetic and the split verdict.
#include "preload/policy.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <map>
#include <string>

namespace percore::preload {
namespace {

std::map<std::string, std::string> g_env;

const char* fake_env(const char* name) {
  auto it = g_env.find(name);
  return it == g_env.end() ? nullptr : it->second.c_str();
}

Config parse(std::map<std::string, std::string> env, std::string* warning = nullptr) {
  g_env = std::move(env);
  Config c;
  char text[256];
  parse_config(fake_env, &c, text, sizeof(text));
  if (warning != nullptr) *warning = text;
  return c;
}

ListenFacts tcp_listener(int port = 8080, int cpus = 4) {
  ListenFacts f;
  f.domain = AF_INET;
  f.type = SOCK_STREAM;
  f.protocol = IPPROTO_TCP;
  f.port = port;
  f.cpus = cpus;
  return f;
}

TEST(PreloadPolicy, DefaultsSplitOnlyAllowListedServers) {
  std::string warning;
  Config c = parse({}, &warning);
  EXPECT_EQ(warning, "");
  EXPECT_FALSE(c.off);
  EXPECT_EQ(c.steer, Steer::kHash);
  for (const char* p : {"nginx", "lighttpd", "openresty", "tengine"}) {
    EXPECT_TRUE(program_allowed(c, p)) << p;
  }
  for (const char* p : {"python3", "haproxy", "redis-server", "apache2", "ngin", "nginxx", ""}) {
    EXPECT_FALSE(program_allowed(c, p)) << p;
  }
}

TEST(PreloadPolicy, AllowListIsOverriddenByEnvironment) {
  Config c = parse({{"PERCORE_ALLOW", "server,myd"}});
  EXPECT_TRUE(program_allowed(c, "server"));
  EXPECT_TRUE(program_allowed(c, "myd"));
  EXPECT_FALSE(program_allowed(c, "nginx"));
  EXPECT_TRUE(program_allowed(parse({{"PERCORE_ALLOW", "*"}}), "anything"));
  EXPECT_TRUE(program_allowed(parse({{"PERCORE_SPLIT", "force"}, {"PERCORE_ALLOW", ""}}), "x"));
  EXPECT_FALSE(program_allowed(parse({{"PERCORE_ALLOW", ""}}), "nginx"));
}

TEST(PreloadPolicy, OffSwitchWins) {
  for (const char* v : {"off", "0"}) {
    Config c = parse({{"PERCORE", v}});
    EXPECT_TRUE(c.off);
    EXPECT_EQ(decide(c, true, tcp_listener()), Verdict::kOff);
  }
  EXPECT_FALSE(parse({{"PERCORE", "on"}}).off);
}

TEST(PreloadPolicy, BadValuesKeepDefaultsAndAreReported) {
  std::string warning;
  Config c = parse({{"PERCORE", "maybe"},
                    {"PERCORE_SLOTS", "1"},
                    {"PERCORE_STEER", "random"},
                    {"PERCORE_PORTS", "80,x"},
                    {"PERCORE_SPLIT", "always"}},
                   &warning);
  EXPECT_FALSE(c.off);
  EXPECT_FALSE(c.force);
  EXPECT_EQ(c.slots, 0);
  EXPECT_EQ(c.steer, Steer::kHash);
  EXPECT_EQ(c.port_count, 0);
  for (const char* name :
       {"PERCORE=", "PERCORE_SLOTS", "PERCORE_STEER", "PERCORE_PORTS", "PERCORE_SPLIT"}) {
    EXPECT_NE(warning.find(name), std::string::npos) << name << " in " << warning;
  }
  EXPECT_EQ(parse({{"PERCORE_SLOTS", "129"}}).slots, 0);
  EXPECT_EQ(parse({{"PERCORE_SLOTS", "8"}}).slots, 8);
  EXPECT_EQ(parse({{"PERCORE_STEER", "cpu"}}).steer, Steer::kCpu);
  EXPECT_EQ(parse({{"PERCORE_PORTS", "65536"}}).port_count, 0);
}

TEST(PreloadPolicy, PortFilter) {
  Config c = parse({{"PERCORE_PORTS", "80,8080"}});
  ASSERT_EQ(c.port_count, 2);
  EXPECT_EQ(decide(c, true, tcp_listener(8080)), Verdict::kSplit);
  EXPECT_EQ(decide(c, true, tcp_listener(8081)), Verdict::kPortFiltered);
  EXPECT_TRUE(port_allowed(parse({}), 1));
}

TEST(PreloadPolicy, OnlyTcpListenersOnAFixedPortWithoutTheirOwnReuseport) {
  Config c = parse({});
  EXPECT_EQ(decide(c, true, tcp_listener()), Verdict::kSplit);
  EXPECT_EQ(decide(c, false, tcp_listener()), Verdict::kNotAllowed);
  ListenFacts f = tcp_listener();
  f.domain = AF_INET6;
  f.protocol = 0;
  EXPECT_EQ(decide(c, true, f), Verdict::kSplit);
  f = tcp_listener();
  f.domain = AF_UNIX;
  EXPECT_EQ(decide(c, true, f), Verdict::kNotTcp);
  f = tcp_listener();
  f.type = SOCK_DGRAM;
  EXPECT_EQ(decide(c, true, f), Verdict::kNotTcp);
  f = tcp_listener();
  f.protocol = IPPROTO_SCTP;
  EXPECT_EQ(decide(c, true, f), Verdict::kNotTcp);
  EXPECT_EQ(decide(c, true, tcp_listener(0)), Verdict::kUnbound);
  f = tcp_listener();
  f.app_reuseport = true;
  EXPECT_EQ(decide(c, true, f), Verdict::kAppReuseport);
  EXPECT_EQ(decide(c, true, tcp_listener(80, 1)), Verdict::kOneCpu);
  EXPECT_STRNE(verdict_text(Verdict::kAppReuseport), "?");
}

TEST(PreloadPolicy, CpuMaskArithmeticStaysInsideTheInheritedMask) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  EXPECT_EQ(count_cpus(mask), 0);
  EXPECT_EQ(nth_cpu(mask, 0), -1);
  CPU_SET(3, &mask);
  CPU_SET(5, &mask);
  CPU_SET(9, &mask);
  EXPECT_EQ(count_cpus(mask), 3);
  EXPECT_EQ(nth_cpu(mask, 0), 3);
  EXPECT_EQ(nth_cpu(mask, 1), 5);
  EXPECT_EQ(nth_cpu(mask, 2), 9);
  EXPECT_EQ(nth_cpu(mask, 3), 3);  // wraps, never leaves the mask
  EXPECT_EQ(nth_cpu(mask, 7), 5);
}

TEST(PreloadPolicy, DefaultSlotsLeaveRoomForAReload) {
  EXPECT_EQ(default_slots(1), 16);
  EXPECT_EQ(default_slots(2), 16);
  EXPECT_EQ(default_slots(8), 32);
  EXPECT_EQ(default_slots(64), kMaxSlots);
}

TEST(PreloadPolicy, NameListMatching) {
  EXPECT_TRUE(name_in_list("a", "a"));
  EXPECT_TRUE(name_in_list("b", "a,b,c"));
  EXPECT_FALSE(name_in_list("", "a,,b"));
  EXPECT_FALSE(name_in_list("ab", "a,b"));
  EXPECT_FALSE(name_in_list("a", ""));
}

}  // namespace
}  // namespace percore::preload
