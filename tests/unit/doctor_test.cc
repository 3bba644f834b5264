// The pure parts of `server doctor`: parsers of kernel text, the judgement of made-up machines,
// and the shape of the JSON scripts read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/doctor/assess.h"
#include "server/doctor/check.h"
#include "server/doctor/proc_values.h"
#include "tests/support/doctor_check_names.h"

namespace percore::server::doctor {
namespace {

TEST(DoctorParse, KernelRelease) {
  auto v = parse_kernel_release("6.1.0-18-amd64\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 6);
  EXPECT_EQ(v->minor, 1);
  EXPECT_TRUE(v->at_least(6, 0));
  EXPECT_TRUE(v->at_least(5, 19));
  EXPECT_FALSE(v->at_least(6, 2));
  EXPECT_FALSE(v->at_least(7, 0));
  EXPECT_FALSE(parse_kernel_release("linux"));
  EXPECT_FALSE(parse_kernel_release("6"));
  EXPECT_FALSE(parse_kernel_release("6."));
}

TEST(DoctorParse, Integer) {
  EXPECT_EQ(parse_integer("4096\n"), 4096);
  EXPECT_EQ(parse_integer("  -1 "), -1);
  EXPECT_FALSE(parse_integer(""));
  EXPECT_FALSE(parse_integer("12 34"));
  EXPECT_FALSE(parse_integer("abc"));
}

TEST(DoctorParse, PortRangeWithTab) {
  auto r = parse_port_range("32768\t60999\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 32768);
  EXPECT_EQ(r->second, 60999);
  EXPECT_TRUE(parse_port_range("1024 65535"));
  EXPECT_FALSE(parse_port_range("60999 32768"));
  EXPECT_FALSE(parse_port_range("1024"));
  EXPECT_FALSE(parse_port_range("1024 70000"));
  EXPECT_FALSE(parse_port_range("1024 2048 4096"));
}

TEST(DoctorParse, DefaultRouteLowestMetricWins) {
  const char* table =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth1\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n"
      "eth0\t00000000\t010011AC\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
      "eth0\t000011AC\t00000000\t0001\t0\t0\t100\t0000FFFF\t0\t0\t0\n";
  EXPECT_EQ(default_route_interface(table), "eth0");
  EXPECT_EQ(default_route_interface("Iface\tDestination\n"), "");
  EXPECT_EQ(default_route_interface(""), "");
}

TEST(DoctorParse, Governors) {
  EXPECT_EQ(summarize_governors({"performance\n", "performance\n"}), "performance");
  EXPECT_EQ(summarize_governors({"powersave", "performance", "powersave"}),
            "powersave x2, performance x1");
}

// A machine where everything percore likes is present.
Facts good_machine() {
  Facts f;
  f.kernel_release = "6.8.0";
  f.tcp_migrate_req = 1;
  f.nofile_soft = 1024;
  f.nofile_hard = 1048576;
  f.somaxconn = 4096;
  f.port_range = std::make_pair(1024, 65535);
  f.tcp_tw_reuse = 1;
  f.busy_poll = 0;
  f.busy_read = 0;
  f.governors = {"performance", "performance"};
  f.online_cpus = 2;
  f.nic = {"198.18.0.2", "eth0", "", 2, 2, 2, 2};
  return f;
}

const Check& find(const std::vector<Check>& checks, const std::string& name) {
  for (const Check& c : checks) {
    if (c.name == name) return c;
  }
  static Check none;
  ADD_FAILURE() << "no check named " << name;
  return none;
}

TEST(DoctorAssess, EveryNameOnceInOrderAndAlwaysAnAdvice) {
  std::vector<Check> checks = assess(good_machine());
  const std::vector<std::string>& names = percore::test::doctor_check_names();
  ASSERT_EQ(checks.size(), names.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    EXPECT_EQ(checks[i].name, names[i]);
    EXPECT_FALSE(checks[i].value.empty()) << checks[i].name;
    EXPECT_FALSE(checks[i].advice.empty()) << checks[i].name;
    EXPECT_EQ(checks[i].verdict, Verdict::kOk) << checks[i].name << ": " << checks[i].advice;
  }
}

TEST(DoctorAssess, OldKernelAndMissingUring) {
  Facts f = good_machine();
  f.kernel_release = "5.10.0-28-amd64";
  f.uring_backend = "kernel lacks multishot receive (needs 6.0+)";
  f.uring.multishot_recv = f.uring_backend;
  auto checks = assess(f);
  EXPECT_EQ(find(checks, "kernel").verdict, Verdict::kMissing);
  EXPECT_EQ(find(checks, "io_uring").verdict, Verdict::kMissing);
  EXPECT_NE(find(checks, "io_uring").advice.find("needs 6.0"), std::string::npos);
  EXPECT_NE(find(checks, "io_uring").advice.find("falls back to epoll"), std::string::npos);
  EXPECT_EQ(find(checks, "multishot_recv").value, "no");
  f.kernel_release = "5.19.3";
  checks = assess(f);
  EXPECT_EQ(find(checks, "kernel").verdict, Verdict::kTune);
}

TEST(DoctorAssess, SysctlsGiveTheCommandToRun) {
  Facts f = good_machine();
  f.somaxconn = 128;
  f.port_range = std::make_pair(32768, 60999);
  f.tcp_tw_reuse = 2;
  f.tcp_migrate_req = 0;
  f.busy_poll.reset();
  f.busy_read.reset();
  auto checks = assess(f);
  EXPECT_EQ(find(checks, "somaxconn").verdict, Verdict::kTune);
  EXPECT_NE(find(checks, "somaxconn").advice.find("net.core.somaxconn=4096"), std::string::npos);
  const Check& ports = find(checks, "ip_local_port_range");
  EXPECT_EQ(ports.verdict, Verdict::kTune);
  EXPECT_EQ(ports.value, "32768-60999 (28232 ports)");
  EXPECT_NE(ports.advice.find("about 470 new connections/s"), std::string::npos) << ports.advice;
  EXPECT_NE(find(checks, "tcp_tw_reuse").advice.find("loopback only"), std::string::npos);
  EXPECT_NE(find(checks, "tcp_migrate_req").advice.find("tcp_migrate_req=1"), std::string::npos);
  EXPECT_EQ(find(checks, "busy_poll").verdict, Verdict::kUnknown);
  f.tcp_migrate_req.reset();
  checks = assess(f);
  EXPECT_EQ(find(checks, "tcp_migrate_req").verdict, Verdict::kMissing);
}

TEST(DoctorAssess, LimitsIrqbalanceAndGovernor) {
  Facts f = good_machine();
  f.nofile_soft = 1024;
  f.nofile_hard = 4096;
  f.irqbalance_running = true;
  f.governors = {"powersave", "powersave"};
  auto checks = assess(f);
  EXPECT_EQ(find(checks, "RLIMIT_NOFILE").value, "1024/4096");
  EXPECT_EQ(find(checks, "RLIMIT_NOFILE").verdict, Verdict::kTune);
  EXPECT_EQ(find(checks, "irqbalance").verdict, Verdict::kTune);
  EXPECT_NE(find(checks, "cpu_governor").advice.find("frequency-set -g performance"),
            std::string::npos);
  f.governors.clear();
  f.nofile_hard = -1;
  checks = assess(f);
  EXPECT_EQ(find(checks, "cpu_governor").verdict, Verdict::kUnknown);
  EXPECT_EQ(find(checks, "RLIMIT_NOFILE").value, "1024/unlimited");
}

TEST(DoctorAssess, NicQueues) {
  Facts f = good_machine();
  f.online_cpus = 8;
  f.nic = {"198.18.0.2", "eth0", "", 8, 8, 2, 8};
  std::vector<Check> checks = assess(f);
  const Check& fewer = find(checks, "nic_queues");
  EXPECT_EQ(fewer.verdict, Verdict::kTune);
  EXPECT_EQ(fewer.value, "eth0 rx=8 tx=8 channels=2/8");
  EXPECT_NE(fewer.advice.find("ethtool -L eth0 combined 8"), std::string::npos) << fewer.advice;
  f.nic = {"198.18.0.2", "veth0", "", 1, 1, -1, -1};
  checks = assess(f);
  EXPECT_NE(find(checks, "nic_queues").advice.find("RPS"), std::string::npos);
  f.nic = {"198.19.0.9", "", "no route: Network is unreachable", 0, 0, -1, -1};
  checks = assess(f);
  EXPECT_EQ(find(checks, "nic_queues").verdict, Verdict::kUnknown);
}

TEST(DoctorFormat, JsonListsEveryCheckWithFourStrings) {
  std::vector<Check> checks = assess(good_machine());
  nlohmann::json doc = nlohmann::json::parse(format_json(checks));
  ASSERT_TRUE(doc["checks"].is_array());
  ASSERT_EQ(doc["checks"].size(), checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    const auto& item = doc["checks"][i];
    EXPECT_EQ(item["name"], checks[i].name);
    EXPECT_EQ(item["status"], "ok");
    for (const char* key : {"name", "status", "value", "advice"}) {
      EXPECT_TRUE(item[key].is_string()) << key;
    }
  }
}

TEST(DoctorFormat, TextHasOneLinePerCheck) {
  std::vector<Check> checks = {{"kernel", Verdict::kOk, "6.8.0", "fine"},
                               {"somaxconn", Verdict::kTune, "128", "raise it"}};
  EXPECT_EQ(format_text(checks),
            "ok       kernel     6.8.0  fine\n"
            "tune     somaxconn  128    raise it\n");
}

}  // namespace
}  // namespace percore::server::doctor
