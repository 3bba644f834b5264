// udp-relay as seed 004's 1:N relay across hosts: a client host, a relay host and three sink
// hosts, each a network namespace the test creates, joined by veth pairs with 198.18.0.0/15
// addresses. --fanout must deliver every datagram to all three sinks, while a fourth destination
// with no route fails with ENETUNREACH/EHOSTUNREACH counted for it alone. Needs CAP_NET_ADMIN;
// skipped with the reason where namespaces cannot be created.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/backend_test.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"
#include "tests/support/udp_helpers.h"

namespace percore::test {
namespace {

// Namespaces "cli", "rly", "s1".."s3": cli 198.18.1.1/30 -- rly 198.18.1.2/30, and rly
// 198.18.2.{1,5,9}/30 -- sink k at 198.18.2.{2,6,10}/30. Deleted (with their veths) on
// destruction, so a failing test leaves nothing behind.
class RelayHosts {
 public:
  RelayHosts() {
    std::string id = std::to_string(getpid() % 100000);
    for (const char* n : {"cli", "rly", "s1", "s2", "s3"}) names_.push_back("pcu-" + id + "-" + n);
    int status = 0;
    for (const std::string& ns : names_) {
      error_ = run_command("ip netns add " + ns, 10, &status);
      if (status != 0) return;
      created_.push_back(ns);
    }
    std::string script = "set -e\n";
    auto link = [&](const std::string& a_ns, const std::string& a_ip, const std::string& b_ns,
                    const std::string& b_ip, int k) {
      std::string a = "pcu" + id + "a" + std::to_string(k),
                  b = "pcu" + id + "b" + std::to_string(k);
      script += "ip link add " + a + " netns " + a_ns + " type veth peer name " + b + " netns " +
                b_ns + "\n";
      script += "ip -n " + a_ns + " addr add " + a_ip + "/30 dev " + a + "\n";
      script += "ip -n " + b_ns + " addr add " + b_ip + "/30 dev " + b + "\n";
      script += "ip -n " + a_ns + " link set " + a + " up\n";
      script += "ip -n " + b_ns + " link set " + b + " up\n";
    };
    link(client(), "198.18.1.1", relay(), "198.18.1.2", 0);
    for (int k = 0; k < 3; ++k) {
      link(relay(), "198.18.2." + std::to_string(1 + 4 * k), sink(k),
           "198.18.2." + std::to_string(2 + 4 * k), k + 1);
    }
    for (const std::string& ns : names_) script += "ip -n " + ns + " link set lo up\n";
    error_ = run_command(script, 30, &status);
    ok_ = status == 0;
  }
  ~RelayHosts() {
    int status = 0;
    for (const std::string& ns : created_) run_command("ip netns del " + ns, 10, &status);
  }
  bool ok() const { return ok_; }
  bool created() const { return !created_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& client() const { return names_[0]; }
  const std::string& relay() const { return names_[1]; }
  const std::string& sink(int k) const { return names_[2 + k]; }
  static std::string sink_address(int k) { return "198.18.2." + std::to_string(2 + 4 * k); }
  static std::vector<std::string> in(const std::string& ns, std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
    return argv;
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::string> created_;
  std::string error_;
  bool ok_ = false;
};

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str(), nullptr, false);
}

class UdpRelayNetns : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    if (!have_program("ip") || !have_program("curl")) GTEST_SKIP() << "needs iproute2 and curl";
  }
};

TEST_P(UdpRelayNetns, FanoutReachesEverySinkAndAnUnroutableDestinationFailsAlone) {
  RelayHosts hosts;
  PERCORE_REQUIRE_NETNS(hosts);
  std::string tag = "/tmp/percore-udp-netns-" + std::to_string(getpid()) + "-" + GetParam();
  std::vector<std::unique_ptr<Process>> sinks;
  for (int k = 0; k < 3; ++k) {
    sinks.push_back(std::make_unique<Process>(RelayHosts::in(
        hosts.sink(k),
        {PERCORE_CLIENT_BIN, "udp", "--sink", RelayHosts::sink_address(k) + ":9000", "-d", "5s",
         "-q", "--io", GetParam(), "--json", tag + "-sink" + std::to_string(k) + ".json"})));
  }
  const std::string unroutable = "198.19.99.1:9000";
  Process relay(RelayHosts::in(hosts.relay(), {PERCORE_SERVER_BIN,
                                               "--mode",
                                               "udp-relay",
                                               "--fanout",
                                               "-a",
                                               "198.18.1.2:9000",
                                               "-x",
                                               "198.18.2.2:9000",
                                               "-x",
                                               "198.18.2.6:9000",
                                               "-x",
                                               "198.18.2.10:9000",
                                               "-x",
                                               unroutable,
                                               "-w",
                                               "1",
                                               "--io",
                                               GetParam(),
                                               "--metrics",
                                               "198.18.1.2:9100",
                                               "-o",
                                               tag + "-relay.log"}));
  ASSERT_NE(relay.wait_for_line("percore: ready", 10000), "") << relay.stderr_text();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the sinks have bound by now

  int status = 0;
  std::string client_json = tag + "-client.json";
  std::string out = run_command("ip netns exec " + hosts.client() + " " + PERCORE_CLIENT_BIN +
                                    " udp 198.18.1.2:9000 -l 500 -R 5000 -d 2s --timeout 500ms "
                                    "--no-pin -q --io " +
                                    GetParam() + " --json " + client_json,
                                30, &status);
  ASSERT_EQ(status, 0) << out;
  nlohmann::json client = read_json(client_json);
  ASSERT_TRUE(client.is_object()) << out;
  long long sent = client["sent"].get<long long>();
  // The client's pre-run probe is one datagram more through the relay (the sinks skip it).
  long long relayed = sent + 1;
  // A busy machine may fall behind the rate: what counts is that what was sent arrived.
  EXPECT_GT(sent, 5000) << out;

  // The relay may still be working through its socket buffer on a busy machine.
  std::string metrics;
  for (int i = 0; i < 50; ++i) {
    metrics = run_command(
        "ip netns exec " + hosts.relay() + " curl -s --max-time 5 http://198.18.1.2:9100/metrics",
        10, &status);
    if (metric_sum(metrics, "percore_udp_packets_out_total") >= 3 * relayed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto errors_for = [&](const std::string& backend) {
    return metric_sum(metrics, "percore_backend_udp_errors_total", "backend=\"" + backend + "\"");
  };
  long long unreachable =
      std::max<long long>(0, metric_sum(metrics, "percore_backend_udp_errors_total",
                                        "backend=\"" + unroutable + "\",errno=\"ENETUNREACH\"")) +
      std::max<long long>(0, metric_sum(metrics, "percore_backend_udp_errors_total",
                                        "backend=\"" + unroutable + "\",errno=\"EHOSTUNREACH\""));
  EXPECT_EQ(unreachable, relayed) << metrics;
  EXPECT_EQ(errors_for(unroutable), relayed) << "errors other than unreachable: " << metrics;
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(errors_for(RelayHosts::sink_address(k) + ":9000"), 0) << metrics;
  }
  EXPECT_EQ(metric_sum(metrics, "percore_udp_packets_in_total"), relayed) << metrics;
  EXPECT_EQ(metric_sum(metrics, "percore_udp_packets_out_total"), 3 * relayed) << metrics;

  for (int k = 0; k < 3; ++k) {
    EXPECT_NE(sinks[k]->wait_exit(15000), -1) << "sink " << k << " did not finish";
    nlohmann::json sink = read_json(tag + "-sink" + std::to_string(k) + ".json");
    ASSERT_TRUE(sink.is_object()) << "sink " << k << ": " << sinks[k]->stderr_text();
    EXPECT_EQ(sink["unique"].get<long long>(), sent) << "sink " << k << ": " << sink.dump();
    EXPECT_EQ(sink["lost"], 0) << "sink " << k;
    EXPECT_EQ(sink["duplicated"], 0) << "sink " << k;
    EXPECT_EQ(sink["corrupt"], 0) << "sink " << k;
    unlink((tag + "-sink" + std::to_string(k) + ".json").c_str());
  }
  relay.kill_all();
  for (auto& s : sinks) s->kill_all();
  unlink(client_json.c_str());
}

PERCORE_ON_EVERY_BACKEND(UdpRelayNetns);

}  // namespace
}  // namespace percore::test
