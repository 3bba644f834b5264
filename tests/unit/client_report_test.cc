// Rendering of the text report and JSON, and --fail-if evaluation, from a hand-made RunResult.
#include <gtest/gtest.h>

#include <errno.h>

#include <nlohmann/json.hpp>

#include "client/http/request_builder.h"
#include "client/result/fail_if.h"
#include "client/result/report_json.h"
#include "client/result/report_text.h"
#include "tests/unit/client_result_util.h"

namespace percore::client {
namespace {

RunResult sample(double rate) {
  RunResult r = asked_run("http://127.0.0.1:8080/", rate);
  WorkerStats& s = r.stats;
  s.sent = 2010;
  s.completed = 2000;
  s.lost = 4;
  s.in_flight_at_end = 6;
  s.status[200] = 1990;
  s.status[503] = 10;
  s.connects_requested = 14;
  s.connects_established = 12;
  s.add_error(ErrorPhase::kConnect, ECONNREFUSED);
  s.add_error(ErrorPhase::kConnect, ECONNREFUSED);
  s.add_error(ErrorPhase::kRead, ECONNRESET);
  s.add_error(ErrorPhase::kReadTimeout, ETIMEDOUT);
  for (int i = 0; i < 2000; ++i) {
    s.uncorrected.record(100'000);                         // 100 us
    s.corrected.record(i < 1960 ? 100'000 : 200'000'000);  // 2% at 200 ms
  }
  finalize(&r);
  return r;
}

TEST(ClientReport, JsonHasEveryFigure) {
  RunResult r = sample(1000);
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["requests"], 2000);
  EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["rps"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(j["target_rate"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(j["achieved_rate"].get<double>(), 1005.0);
  EXPECT_EQ(j["errors"]["total"], 4);
  EXPECT_EQ(j["errors"]["by_kind"]["connect/ECONNREFUSED"], 2);
  EXPECT_EQ(j["errors"]["by_kind"]["read/ECONNRESET"], 1);
  EXPECT_EQ(j["errors"]["by_kind"]["read_timeout/ETIMEDOUT"], 1);
  EXPECT_EQ(j["status"]["200"], 1990);
  EXPECT_EQ(j["status"]["503"], 10);
  EXPECT_EQ(j["non2xx"], 10);
  EXPECT_EQ(j["in_flight_at_end"], 6);
  EXPECT_EQ(j["lost"], 4);
  EXPECT_EQ(j["connections"]["established"], 12);
  EXPECT_EQ(j["connections"]["requested"], 14);
  for (const char* k : {"p50", "p90", "p99", "p999", "p9999", "max", "mean"}) {
    EXPECT_TRUE(j["latency_us"].contains(k)) << k;
  }
  // Under --rate the headline latency is the corrected one.
  EXPECT_NEAR(j["latency_us"]["p99"].get<double>(), 200'000, 200);
  EXPECT_NEAR(j["latency_uncorrected_us"]["p99"].get<double>(), 100, 0.2);
}

TEST(ClientReport, TextShowsBothLatenciesUnderRateAndErrorsByErrno) {
  std::string text = render_text(sample(1000));
  EXPECT_NE(text.find("corrected"), std::string::npos);
  EXPECT_NE(text.find("uncorrected"), std::string::npos);
  EXPECT_NE(text.find("target 1000.0 req/s, achieved 1005.0 req/s"), std::string::npos) << text;
  EXPECT_NE(text.find("connect ECONNREFUSED 2"), std::string::npos) << text;
  EXPECT_NE(text.find("200: 1990"), std::string::npos);
  EXPECT_NE(text.find("6 in flight at end"), std::string::npos);
  EXPECT_NE(text.find("200ms"), std::string::npos) << text;
  EXPECT_EQ(text.find("WARNING"), std::string::npos);
}

TEST(ClientReport, WarnsLoudlyWhenTheRateWasNotReached) {
  RunResult r = sample(5000);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("could not keep up"), std::string::npos);
  EXPECT_EQ(render_text(r).rfind("WARNING: ", 0), 0u);
}

// Grid points missed while the connections were opening are not the server's saturation nor the
// client's CPU: the warning names the connect time and the remedy.
TEST(ClientReport, NotSentWhileConnectingIsNamedAsTheCause) {
  RunResult r = sample(1000);
  r.stats.sent = 1300;
  r.stats.not_sent = 700;
  r.stats.not_sent_connecting = 690;
  r.stats.pace_delay_ns = 986'000'000;
  finalize(&r);
  ASSERT_EQ(r.warnings.size(), 1u);
  const std::string& w = r.warnings[0];
  EXPECT_NE(w.find("690 of them while the connections were opening"), std::string::npos) << w;
  EXPECT_NE(w.find("986 ms"), std::string::npos) << w;
  EXPECT_NE(w.find("backlog"), std::string::npos) << w;
  EXPECT_NE(w.find("--warmup"), std::string::npos) << w;
  EXPECT_EQ(w.find("add -t"), std::string::npos) << w;
  // When busy connections dominate, the old diagnosis stands.
  r.stats.not_sent_connecting = 10;
  finalize(&r);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("add -c"), std::string::npos) << r.warnings[0];
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["not_sent_connecting"], 10);
  EXPECT_DOUBLE_EQ(j["pace_delay_ms"].get<double>(), 986.0);
}

TEST(ClientReport, SendLagIsShownUnderRate) {
  RunResult r = sample(1000);
  for (int i = 0; i < 100; ++i) r.stats.send_lag.record(i < 50 ? 20'000 : 300'000);
  std::string text = render_text(r);
  EXPECT_NE(text.find("send lag    p50 20.0us, p99 300us"), std::string::npos) << text;
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_NEAR(j["send_lag_us"]["p99"].get<double>(), 300, 1);
  EXPECT_EQ(render_text(sample(0)).find("send lag"), std::string::npos);
}

TEST(ClientReport, LatencyFormatting) {
  EXPECT_EQ(format_latency(734'000), "734us");
  EXPECT_EQ(format_latency(1'234'000), "1.23ms");
  EXPECT_EQ(format_latency(2'500'000'000), "2.50s");
  EXPECT_EQ(format_latency(5'120), "5.12us");
}

TEST(ClientFailIf, ThresholdsAndExitDecision) {
  RunResult r = sample(1000);
  std::string err;
  Threshold p99, errors, rps, p50;
  ASSERT_TRUE(parse_threshold("p99>5ms", &p99, &err));
  ASSERT_TRUE(parse_threshold("errors>0", &errors, &err));
  ASSERT_TRUE(parse_threshold("rps<500", &rps, &err));
  ASSERT_TRUE(parse_threshold("p50>=1s", &p50, &err));
  EXPECT_DOUBLE_EQ(p50.value, 1e6);
  auto crossed = crossed_thresholds(r, {p99, errors, rps, p50});
  ASSERT_EQ(crossed.size(), 2u);
  EXPECT_NE(crossed[0].find("p99>5ms"), std::string::npos);
  EXPECT_NE(crossed[1].find("errors>0"), std::string::npos);
  EXPECT_TRUE(crossed_thresholds(r, {rps, p50}).empty());
  EXPECT_FALSE(parse_threshold("p99>5", &p99, &err));
  EXPECT_FALSE(parse_threshold(">5", &p99, &err));
  EXPECT_FALSE(parse_threshold("errors>x", &p99, &err));
}

TEST(ClientRequest, BuiltOnceWithHostBodyAndClose) {
  Options o;
  std::string err;
  ASSERT_TRUE(parse_url("http://127.0.0.1:8080/x", &o.url, &err));
  o.method = "POST";
  o.body = "hello";
  o.headers = {"X-Test:  1"};
  o.keepalive = false;
  std::string r = build_request(o);
  EXPECT_EQ(r,
            "POST /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: percore-client\r\n"
            "X-Test: 1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  o.headers = {"host: example"};
  EXPECT_EQ(build_request(o).find("Host: 127"), std::string::npos);
  EXPECT_EQ(repeat_request("ab", 3), "ababab");
}

}  // namespace
}  // namespace percore::client
