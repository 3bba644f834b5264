// End-to-end tests of `client http` over loopback: against a private nginx (counts agree with
// its stub_status), a stalling target (coordinated omission), a dying target (errors by errno),
// and against `server` and its /metrics once that binary answers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/client_run.h"
#include "tests/support/nginx.h"
#include "tests/support/process.h"
#include "tests/support/stall_server.h"

namespace percore::test {
namespace {

ClientRun run_client(const std::string& args, int timeout_s = 30) {
  return run_client_mode("http", args, timeout_s);
}

#define REQUIRE_NGINX(n) \
  if (!(n).ok()) GTEST_SKIP() << "nginx is not installed or did not start"

// A run against nginx and what nginx counted of it: the status fetch itself is one request and
// one connection, and the client's reachability check before the run is one more connection
// (without a request), so those are taken off.
struct NginxRun {
  ClientRun run;
  long requests = 0;  // served by nginx during the run
  long accepts = 0;   // connections nginx accepted during the run
};

NginxRun run_against(Nginx& nginx, const std::string& args) {
  NginxStatus before = nginx.status();
  NginxRun r{run_client(args + " " + nginx.url())};
  NginxStatus after = nginx.status();
  r.requests = after.requests - before.requests - 1;
  r.accepts = after.accepts - before.accepts - 2;
  return r;
}

TEST(ClientHttpE2E, KeepAliveCountsAgreeWithNginx) {
  Nginx nginx;
  REQUIRE_NGINX(nginx);
  NginxRun counted = run_against(nginx, "-c 8 -t 2 -n 5000");
  const ClientRun& run = counted.run;
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json["requests"], 5000) << run.output;
  EXPECT_EQ(run.json["status"]["200"], 5000);
  EXPECT_EQ(run.json["errors"]["total"], 0);
  EXPECT_EQ(run.json["in_flight_at_end"], 0);
  EXPECT_EQ(run.json["connections"]["established"], 8);
  EXPECT_EQ(counted.requests, 5000);
  EXPECT_EQ(counted.accepts, 8);
  EXPECT_GT(run.json["latency_us"]["p50"].get<double>(), 0);
  EXPECT_LE(run.json["latency_us"]["p50"].get<double>(),
            run.json["latency_us"]["p99"].get<double>());
  // The text report went to stdout as well.
  EXPECT_NE(run.output.find("5000 completed"), std::string::npos) << run.output;
}

TEST(ClientHttpE2E, NoKeepaliveOpensOneConnectionPerRequest) {
  Nginx nginx;
  REQUIRE_NGINX(nginx);
  NginxRun counted = run_against(nginx, "-c 4 -t 1 -n 2000 --no-keepalive");
  const ClientRun& run = counted.run;
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json["requests"], 2000) << run.output;
  EXPECT_EQ(run.json["errors"]["total"], 0);
  // Connections that were already opening when the last request went out stay unused: at most
  // one per connection slot.
  long established = run.json["connections"]["established"].get<long>();
  EXPECT_GE(established, 2000);
  EXPECT_LE(established, 2000 + 3);
  EXPECT_EQ(counted.accepts, established);
  EXPECT_EQ(counted.requests, 2000);
}

TEST(ClientHttpE2E, ReconnectEveryAndServerSideCloses) {
  // nginx closes every connection after 7 requests (with Connection: close); the client must
  // count none of that as an error. --reconnect-every 5 closes from our side first.
  Nginx nginx("    keepalive_requests 7;");
  REQUIRE_NGINX(nginx);
  ClientRun run = run_client("-c 2 -t 1 -n 700 " + nginx.url());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json["requests"], 700) << run.output;
  EXPECT_EQ(run.json["errors"]["total"], 0) << run.output;
  EXPECT_GE(run.json["connections"]["established"].get<int>(), 100);
  ClientRun ours = run_client("-c 2 -t 1 -n 500 --reconnect-every 5 " + nginx.url());
  ASSERT_EQ(ours.status, 0) << ours.output;
  EXPECT_EQ(ours.json["errors"]["total"], 0) << ours.output;
  // 500 / 5 = 100 connections, plus at most one per slot opened as the last request went out.
  EXPECT_GE(ours.json["connections"]["established"].get<long>(), 100);
  EXPECT_LE(ours.json["connections"]["established"].get<long>(), 101);
}

TEST(ClientHttpE2E, Pipeline16) {
  Nginx nginx;
  REQUIRE_NGINX(nginx);
  NginxRun counted = run_against(nginx, "-c 2 -t 1 -n 20000 --pipeline 16");
  const ClientRun& run = counted.run;
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json["requests"], 20000) << run.output;
  EXPECT_EQ(run.json["errors"]["total"], 0);
  EXPECT_EQ(run.json["connections"]["established"], 2);
  EXPECT_EQ(counted.requests, 20000);
}

TEST(ClientHttpE2E, StatusCodesAndHeadAreCounted) {
  Nginx nginx;
  REQUIRE_NGINX(nginx);
  ClientRun run = run_client("-c 2 -t 1 -n 300 " + nginx.url("/missing"));
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json["status"]["404"], 300) << run.output;
  EXPECT_EQ(run.json["non2xx"], 300);
  EXPECT_EQ(run.json["errors"]["total"], 0);
  // HEAD responses carry a Content-Length but no body: the parser must not wait for one.
  ClientRun head = run_client("-c 2 -t 1 -n 300 -m HEAD --timeout 2s " + nginx.url());
  ASSERT_EQ(head.status, 0) << head.output;
  EXPECT_EQ(head.json["status"]["200"], 300) << head.output;
  EXPECT_EQ(head.json["errors"]["total"], 0);
}

TEST(ClientHttpE2E, FailIfExitCodes) {
  Nginx nginx;
  REQUIRE_NGINX(nginx);
  ClientRun pass =
      run_client("-c 2 -t 1 -n 500 --fail-if 'errors>0' --fail-if 'p99>10s' " + nginx.url());
  EXPECT_EQ(pass.status, 0) << pass.output;
  ClientRun fail =
      run_client("-c 2 -t 1 -n 500 --fail-if 'errors>0' --fail-if 'p50>1us' " + nginx.url());
  EXPECT_EQ(fail.status, 3) << fail.output;
  EXPECT_NE(fail.output.find("p50>1us"), std::string::npos) << fail.output;
  ClientRun non2xx = run_client("-c 1 -t 1 -n 10 --fail-if 'non2xx>0' " + nginx.url("/missing"));
  EXPECT_EQ(non2xx.status, 3) << non2xx.output;
}

TEST(ClientHttpE2E, UsageErrorsAndDeadTargetExitTwo) {
  int port = free_port();
  ClientRun dead = run_client("-d 1s http://127.0.0.1:" + std::to_string(port) + "/");
  EXPECT_EQ(dead.status, 2) << dead.output;
  EXPECT_NE(dead.output.find("ECONNREFUSED"), std::string::npos) << dead.output;
  EXPECT_EQ(std::count(dead.output.begin(), dead.output.end(), '\n'), 1) << dead.output;
  ClientRun bad_url = run_client("http://example.com/");
  EXPECT_EQ(bad_url.status, 2);
  EXPECT_NE(bad_url.output.find("DNS"), std::string::npos) << bad_url.output;
  ClientRun bad_flag = run_client("--connections=-3 http://127.0.0.1:1/");
  EXPECT_EQ(bad_flag.status, 2) << bad_flag.output;
}

TEST(ClientHttpE2E, TargetDyingMidRunReportsConnectErrorsByErrno) {
  auto nginx = std::make_unique<Nginx>();
  REQUIRE_NGINX(*nginx);
  std::string url = nginx->url();
  std::thread killer([&] {
    usleep(800'000);
    nginx->kill();
  });
  ClientRun run = run_client("-c 4 -t 1 -d 2s --timeout 500ms " + url);
  killer.join();
  ASSERT_EQ(run.status, 0) << run.output;
  auto by_kind = run.json["errors"]["by_kind"];
  EXPECT_GT(by_kind.value("connect/ECONNREFUSED", 0), 0) << run.json["errors"].dump();
  EXPECT_GT(run.json["requests"].get<long>(), 0);
  // Every sent request is accounted for exactly once.
  EXPECT_EQ(run.json["sent"].get<long>(), run.json["requests"].get<long>() +
                                              run.json["lost"].get<long>() +
                                              run.json["in_flight_at_end"].get<long>());
}

TEST(ClientHttpE2E, StallShowsInCorrectedButNotUncorrectedP99) {
  StallServer target(200);
  ASSERT_GT(target.port(), 0);
  // 1000 req/s over 2 connections: a 200 ms stall each second holds ~200 scheduled requests
  // (20% of them: the corrected p99 sees it) but only 2 sent ones (0.2%: the uncorrected p99,
  // what a closed-loop tool would show, does not).
  ClientRun run = run_client("-c 2 -t 1 -R 1000 -d 4s --warmup 1s http://127.0.0.1:" +
                             std::to_string(target.port()) + "/");
  ASSERT_EQ(run.status, 0) << run.output;
  double corrected = run.json["latency_us"]["p99"].get<double>();
  double uncorrected = run.json["latency_uncorrected_us"]["p99"].get<double>();
  EXPECT_GT(corrected, 100'000) << run.output;
  EXPECT_LT(uncorrected, 50'000) << run.output;
  EXPECT_GT(run.json["latency_uncorrected_us"]["max"].get<double>(), 100'000);
  // The schedule itself keeps 1000/s; only a stall that straddles the end of the window leaves
  // up to 200 requests due but unsent, so the achieved rate may sit up to 20% below the target.
  double duration = run.json["duration_s"].get<double>();
  double scheduled = run.json["sent"].get<double>() + run.json["not_sent"].get<double>();
  EXPECT_NEAR(scheduled / duration, 1000, 30) << run.output;
  EXPECT_GE(run.json["achieved_rate"].get<double>(), 1000 * 0.8 - 30) << run.output;
  EXPECT_EQ(run.json["errors"]["total"], 0);
}

// Against percore's own server: the client's count must equal the server's /metrics counters.
TEST(ClientHttpE2E, CountsAgreeWithServerMetrics) {
  int port = free_port();
  int metrics_port = free_port();
  Process server({PERCORE_SERVER_BIN, "--listen", "127.0.0.1:" + std::to_string(port), "--metrics",
                  "127.0.0.1:" + std::to_string(metrics_port)});
  std::string ready = server.wait_for_line("percore: ready http", 5000);
  if (ready.empty()) {
    GTEST_SKIP() << "server did not print 'percore: ready http' within 5 s (not built yet?)";
  }
  std::string url = "http://127.0.0.1:" + std::to_string(ready_port(ready)) + "/";
  auto server_requests = [&] {
    int rc = 0;
    std::string text = run_command(
        "curl -s http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics", 10, &rc);
    // Sums every `percore_requests_total{worker="N"} value` line.
    long total = 0;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("percore_requests_total", 0) != 0) continue;
      size_t space = line.rfind(' ');
      if (space != std::string::npos) total += std::atol(line.c_str() + space + 1);
    }
    return total;
  };
  long before = server_requests();
  ClientRun run = run_client("-c 8 -t 2 -n 5000 " + url);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json["requests"], 5000);
  EXPECT_EQ(server_requests() - before, 5000);
  ClientRun nka = run_client("-c 4 -t 1 -n 1000 --no-keepalive " + url);
  ASSERT_EQ(nka.status, 0) << nka.output;
  EXPECT_GE(nka.json["connections"]["established"].get<long>(), 1000);
  EXPECT_LE(nka.json["connections"]["established"].get<long>(), 1000 + 3);
}

}  // namespace
}  // namespace percore::test
