// End-to-end tests of `client http -R` (open loop) over loopback: the workers' requests leave
// evenly spaced on one shared grid, low rates send what the run's window holds, connecting slowly
// is reported as such, and an idle run keeps its rate without warnings.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/client_run.h"
#include "tests/support/nginx_process.h"
#include "tests/support/process.h"
#include "tests/support/stall_server.h"

namespace percore::test {
namespace {

std::string url(int port) {
  return "http://127.0.0.1:" + std::to_string(port) + "/";
}

// 2 workers at 10/s in all: the arrivals are 100 ms apart, not pairs every 200 ms.
TEST(ClientOpenLoopE2E, WorkersShareOneEvenlySpacedGrid) {
  StallServer target(0);
  ASSERT_GT(target.port(), 0);
  ClientRun run = run_client_mode("http", "-t 2 -c 2 --no-pin -R 10 -d 1s " + url(target.port()));
  ASSERT_EQ(run.status, 0) << run.output;
  std::vector<int64_t> t = target.arrivals();
  ASSERT_EQ(t.size(), 10u) << run.output;
  std::sort(t.begin(), t.end());
  int close_pairs = 0;
  for (size_t i = 1; i < t.size(); ++i) {
    // Evenly spaced means no gap far below 100 ms; a burst of 2 shows gaps of about 0.
    if (t[i] - t[i - 1] < 50'000'000) ++close_pairs;
  }
  EXPECT_EQ(close_pairs, 0) << run.output;
  EXPECT_EQ(run.json["sent"], 10);
  EXPECT_EQ(run.json["not_sent"], 0);
}

// Only grid points inside the run are due: -R 2.5 for 2 s is 5 requests, -R 1 for 500 ms is 1.
TEST(ClientOpenLoopE2E, LowRatesSendWhatTheWindowHolds) {
  StallServer target(0);
  ASSERT_GT(target.port(), 0);
  ClientRun a = run_client_mode("http", "-t 2 -c 2 --no-pin -R 2.5 -d 2s " + url(target.port()));
  ASSERT_EQ(a.status, 0) << a.output;
  EXPECT_EQ(a.json["sent"], 5) << a.output;
  EXPECT_NEAR(a.json["achieved_rate"].get<double>(), 2.5, 0.01) << a.output;
  ClientRun b = run_client_mode("http", "-t 2 -c 2 --no-pin -R 1 -d 500ms " + url(target.port()));
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_EQ(b.json["sent"], 1) << b.output;
  EXPECT_EQ(target.requests(), 6);
}

// A one-worker server with an accept backlog of 1: most of 50 connections wait for a SYN
// retransmit (about 1 s). The grid points missed meanwhile are due but not sent "while
// connecting", and the warning says so instead of blaming the server or the client's CPU.
TEST(ClientOpenLoopE2E, SlowConnectsAreReportedAsSuch) {
  int port = free_port();
  Process server({PERCORE_SERVER_BIN, "--listen", "127.0.0.1:" + std::to_string(port), "-w", "1",
                  "-k", "--backlog", "1"});
  if (server.wait_for_line("percore: ready http", 5000).empty()) {
    GTEST_SKIP() << "server did not print 'percore: ready http' within 5 s";
  }
  ClientRun run = run_client_mode("http", "-t 2 -c 50 -R 1000 -d 3s " + url(port));
  ASSERT_EQ(run.status, 0) << run.output;
  long connecting = run.json["not_sent_connecting"].get<long>();
  if (run.json["pace_delay_ms"].get<double>() < 200) {
    GTEST_SKIP() << "the connections opened fast here (no SYN drop): " << run.output;
  }
  EXPECT_GT(connecting, 100) << run.output;
  EXPECT_LE(connecting, run.json["not_sent"].get<long>());
  ASSERT_FALSE(run.json["warnings"].empty()) << run.output;
  std::string w = run.json["warnings"][0];
  EXPECT_NE(w.find("while the connections were opening"), std::string::npos) << w;
  EXPECT_EQ(w.find("add -t"), std::string::npos) << w;
  // Every grid point inside the run is sent or counted as not sent.
  EXPECT_NEAR(run.json["sent"].get<double>() + run.json["not_sent"].get<double>(), 3000, 10);
}

// An idle server: connecting takes far less than the lead before the grid's origin, so nothing is
// missed and --fail-if 'achieved_rate<990' passes at -R 1000.
TEST(ClientOpenLoopE2E, IdleRunKeepsItsRateWithoutWarnings) {
  int port = free_port();
  Process server(
      {PERCORE_SERVER_BIN, "--listen", "127.0.0.1:" + std::to_string(port), "-w", "1", "-k"});
  if (server.wait_for_line("percore: ready http", 5000).empty()) {
    GTEST_SKIP() << "server did not print 'percore: ready http' within 5 s";
  }
  ClientRun run =
      run_client_mode("http", "-R 1000 -d 1s --fail-if 'achieved_rate<990' " + url(port));
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json["not_sent_connecting"], 0) << run.output;
  EXPECT_TRUE(run.json["warnings"].empty()) << run.output;
  EXPECT_EQ(run.json["sent"], 1000) << run.output;
  EXPECT_GT(run.json["send_lag_us"]["count"].get<long>(), 0);
}

}  // namespace
}  // namespace percore::test
