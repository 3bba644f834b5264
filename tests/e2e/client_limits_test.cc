// The client under resource limits: a -c that cannot fit the descriptor limit is refused with
// one line and exit 2; the soft limit is raised to the hard one; and connects that fail for want
// of a resource (here EADDRNOTAVAIL: no local port left) back off instead of spinning.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "tests/support/client_run.h"
#include "tests/support/process.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

TEST(ClientLimits, RefusesMoreConnectionsThanTheDescriptorLimitAllows) {
  int status = 0;
  std::string out = run_command("sh -c 'ulimit -n 256 && exec " + std::string(PERCORE_CLIENT_BIN) +
                                    " http -c 1000 -d 1s http://127.0.0.1:9/' 2>&1",
                                20, &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("-c 1000 needs about"), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "not one line: " << out;
}

TEST(ClientLimits, RaisesTheSoftLimitToTheHardOne) {
  ServerProcess server = start_server("epoll", {"-k", "-w", "1"});
  ASSERT_TRUE(server.ok()) << server.process->stderr_text();
  int status = 0;
  // 600 connections do not fit a soft limit of 256 but do fit the hard limit of 2048.
  std::string out = run_command(
      "sh -c 'ulimit -Sn 256 && ulimit -Hn 2048 && exec " + std::string(PERCORE_CLIENT_BIN) +
          " http -c 600 -t 1 -d 1s -q http://127.0.0.1:" + std::to_string(server.port) + "/' 2>&1",
      30, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("600 established"), std::string::npos) << out;
  EXPECT_EQ(out.find("EMFILE"), std::string::npos) << out;
}

// In a namespace whose ephemeral port range holds 10 ports, 50 connections to one address leave
// 40 connects failing with EADDRNOTAVAIL for the whole run.
TEST(ClientLimits, BacksOffWhenLocalPortsRunOut) {
  if (!have_program("ip")) GTEST_SKIP() << "needs iproute2";
  std::string ns = "pc-lim-" + std::to_string(getpid() % 100000);
  int status = 0;
  std::string err = run_command("ip netns add " + ns, 10, &status);
  if (status != 0) GTEST_SKIP() << "cannot create network namespaces here: " << err;
  struct Cleanup {
    std::string ns;
    ~Cleanup() {
      int s = 0;
      run_command("ip netns del " + ns, 10, &s);
    }
  } cleanup{ns};
  run_command("ip -n " + ns + " link set lo up && ip netns exec " + ns +
                  " sysctl -qw net.ipv4.ip_local_port_range='40000 40009'",
              10, &status);
  ASSERT_EQ(status, 0);
  const std::string tag = std::to_string(getpid());
  Process server({"ip", "netns", "exec", ns, PERCORE_SERVER_BIN, "-a", "127.0.0.1:8080", "-w", "1",
                  "-k", "-o", "/tmp/percore-limits-" + tag + ".log"});
  ASSERT_NE(server.wait_for_line("percore: ready", 10000), "") << server.stderr_text();
  std::string json_path = "/tmp/percore-limits-" + tag + ".json";
  std::string out = run_command("ip netns exec " + ns + " " + PERCORE_CLIENT_BIN +
                                    " http -c 50 -t 1 -d 3s -q --json " + json_path +
                                    " http://127.0.0.1:8080/ 2>&1",
                                30, &status);
  ClientRun run;
  {
    int s = 0;
    std::string text = run_command("cat " + json_path, 5, &s);
    unlink(json_path.c_str());
    run.json = nlohmann::json::parse(text, nullptr, false);
  }
  ASSERT_TRUE(run.json.is_object()) << out;
  EXPECT_GT(run.json["requests"].get<long long>(), 1000) << out;
  auto by_kind = run.json["errors"]["by_kind"];
  long long refused = 0;
  for (auto it = by_kind.begin(); it != by_kind.end(); ++it) {
    if (it.key().find("EADDRNOTAVAIL") != std::string::npos) refused += it.value().get<long long>();
  }
  EXPECT_GT(refused, 0) << by_kind.dump();
  // 40 slots retrying once a second for 3 s: about 160 attempts in all. Retrying every 10 ms, as
  // other connect failures do, would be some 12,000.
  EXPECT_LT(run.json["connections"]["requested"].get<long long>(), 500) << run.json.dump();
  server.kill_all();
}

}  // namespace
}  // namespace percore::test
