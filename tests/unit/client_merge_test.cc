// `client merge` on constructed results: what a host writes reads back whole, counts add up,
// percentiles come from the merged histograms, and hosts that fell behind, started late or are
// missing are named.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/multi_host/merge.h"
#include "client/result/report_json.h"
#include "client/result/report_text.h"
#include "client/result/run_json_read.h"
#include "tests/unit/client_result_util.h"

namespace percore::client {
namespace {

// One host's result: `n` responses with latencies base, base+step, ...; sent at `achieved` of
// the target rate when rate > 0.
RunResult host_result(const std::string& host, int segment, int segments, uint64_t n, int64_t base,
                      int64_t step, double rate, double achieved) {
  RunResult r = asked_run("http://198.18.0.1:8080/", rate);
  r.host = host;
  r.segment_index = segment;
  r.segment_count = segments;
  r.start_unix_ms = 1'700'000'000'000;
  r.start_at_unix_ms = 1'700'000'000'000;
  WorkerStats& s = r.stats;
  s.completed = n;
  s.sent = rate > 0 ? static_cast<uint64_t>(rate * achieved * r.duration_s) : n;
  s.status[200] = n - 1;
  s.status[503] = 1;
  s.add_error(ErrorPhase::kConnect, ECONNREFUSED);
  s.add_error(ErrorPhase::kParse, 0);
  s.connects_requested = 11;
  s.connects_established = 10;
  s.bytes_in = n * 100;
  s.bytes_out = n * 50;
  for (uint64_t i = 0; i < n; ++i) {
    s.corrected.record(base + static_cast<int64_t>(i) * step + 500);
    s.uncorrected.record(base + static_cast<int64_t>(i) * step);
  }
  finalize(&r);
  return r;
}

RunResult through_json(const RunResult& r) {
  return through_json(r, render_json, read_run_json);
}

TEST(ClientMerge, ResultReadsBackWhole) {
  RunResult r = host_result("load-a", 1, 3, 5000, 80'000, 13, 2500, 1.0);
  RunResult back = through_json(r);
  expect_identity(back, "load-a", 1, 3);
  EXPECT_EQ(back.start_at_unix_ms, r.start_at_unix_ms);
  EXPECT_EQ(back.stats.completed, 5000u);
  EXPECT_EQ(back.stats.sent, r.stats.sent);
  EXPECT_EQ(back.stats.status[503], 1u);
  EXPECT_EQ(back.stats.errors[static_cast<size_t>(ErrorPhase::kConnect)][ECONNREFUSED], 1u);
  EXPECT_EQ(back.stats.errors[static_cast<size_t>(ErrorPhase::kParse)][0], 1u);
  EXPECT_EQ(back.stats.bytes_in, r.stats.bytes_in);
  EXPECT_EQ(back.connections, 10);
  EXPECT_DOUBLE_EQ(back.target_rate, 2500);
  for (double p : {50.0, 99.0, 99.99, 100.0}) {
    EXPECT_EQ(back.stats.corrected.value_at_percentile(p),
              r.stats.corrected.value_at_percentile(p));
    EXPECT_EQ(back.stats.uncorrected.value_at_percentile(p),
              r.stats.uncorrected.value_at_percentile(p));
  }
  EXPECT_EQ(back.stats.uncorrected.min(), r.stats.uncorrected.min());
  EXPECT_EQ(back.stats.uncorrected.mean(), r.stats.uncorrected.mean());
}

// The open-loop accounting of item "connecting": not sent while connecting, the pace's delay and
// the send lag survive the JSON, and merge as sums, the maximum and a histogram.
TEST(ClientMerge, OpenLoopConnectingAndSendLagReadBack) {
  RunResult a = host_result("load-a", 0, 2, 100, 80'000, 13, 1000, 0.5);
  a.stats.not_sent = 900;
  a.stats.not_sent_connecting = 800;
  a.stats.pace_delay_ns = 750'000'000;
  for (int i = 0; i < 10; ++i) a.stats.send_lag.record(40'000);
  RunResult b = host_result("load-b", 1, 2, 100, 80'000, 13, 1000, 0.5);
  b.stats.not_sent_connecting = 5;
  b.stats.pace_delay_ns = 20'000'000;
  b.stats.send_lag.record(9'000'000);
  RunResult back = through_json(a);
  EXPECT_EQ(back.stats.not_sent_connecting, 800u);
  EXPECT_EQ(back.stats.pace_delay_ns, 750'000'000);
  EXPECT_EQ(back.stats.send_lag.count(), 10u);
  MergedRun m = merge_runs({back, through_json(b)}, {"a.json", "b.json"});
  EXPECT_EQ(m.total.stats.not_sent_connecting, 805u);
  EXPECT_EQ(m.total.stats.pace_delay_ns, 750'000'000);
  EXPECT_EQ(m.total.stats.send_lag.count(), 11u);
}

TEST(ClientMerge, CountsAddUpAndPercentilesComeFromAllSamples) {
  // Three hosts, very different latencies: 9000 fast, 900 slow, 100 very slow.
  std::vector<RunResult> hosts = {host_result("a", 0, 3, 9000, 50'000, 1, 0, 1),
                                  host_result("b", 1, 3, 900, 2'000'000, 1000, 0, 1),
                                  host_result("c", 2, 3, 100, 40'000'000, 7, 0, 1)};
  stats::Histogram all;
  for (const RunResult& h : hosts) all.merge(h.stats.uncorrected);
  std::vector<RunResult> read;
  for (const RunResult& h : hosts) read.push_back(through_json(h));
  MergedRun m = merge_runs(read, {"a.json", "b.json", "c.json"});
  const RunResult& t = m.total;
  EXPECT_EQ(t.stats.completed, 10'000u);
  EXPECT_EQ(t.stats.status[200], 10'000u - 3);
  EXPECT_EQ(t.stats.error_total(), 6u);
  EXPECT_EQ(t.connections, 30);
  EXPECT_EQ(t.stats.uncorrected.count(), 10'000u);
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_EQ(t.latency().value_at_percentile(p), all.value_at_percentile(p)) << p;
  }
  // The merged p99 is the slowest sample of host b, not any mix of the three hosts' p99s.
  EXPECT_EQ(t.latency().value_at_percentile(99), all.highest_equivalent(2'000'000 + 899'000));
  EXPECT_DOUBLE_EQ(t.rps, (9000 + 900 + 100) / 2.0);
  EXPECT_TRUE(t.warnings.empty()) << t.warnings.front();
  std::string text = render_text(t) + render_hosts_text(m);
  EXPECT_NE(text.find("10000 completed"), std::string::npos) << text;
  EXPECT_NE(text.find("hosts       3 merged"), std::string::npos) << text;
  // Merged results merge again: the JSON of a merge is a result like any other.
  RunResult again = through_json(t);
  EXPECT_EQ(again.stats.uncorrected.value_at_percentile(99), all.value_at_percentile(99));
}

TEST(ClientMerge, RatesAreSummedAndAHostThatFellBehindIsNamed) {
  std::vector<RunResult> hosts = {host_result("a", 0, 2, 2000, 100'000, 3, 1000, 1.0),
                                  host_result("b", 1, 2, 1400, 100'000, 3, 1000, 0.7)};
  MergedRun m = merge_runs({through_json(hosts[0]), through_json(hosts[1])}, {"a", "b"});
  EXPECT_DOUBLE_EQ(m.total.target_rate, 2000);
  EXPECT_DOUBLE_EQ(m.total.achieved_rate, 1000 + 700);
  ASSERT_EQ(m.total.warnings.size(), 1u);
  EXPECT_NE(m.total.warnings[0].find("b (segment 2/2): the client could not keep up"),
            std::string::npos)
      << m.total.warnings[0];
  nlohmann::json hosts_j = hosts_json(m);
  EXPECT_DOUBLE_EQ(hosts_j[1]["achieved_rate"].get<double>(), 700);
}

TEST(ClientMerge, LateStartAndMissingSegmentAreReported) {
  RunResult late = host_result("b", 1, 3, 100, 100'000, 3, 0, 1);
  late.late_start_ms = 850;
  MergedRun m =
      merge_runs({through_json(host_result("a", 0, 3, 100, 100'000, 3, 0, 1)), through_json(late)},
                 {"a", "b"});
  std::string all;
  for (const std::string& w : m.total.warnings) all += w + "\n";
  EXPECT_NE(all.find("merged 2 of 3 segments: missing 3/3"), std::string::npos) << all;
  EXPECT_NE(all.find("b (segment 2/3): started 850 ms after --start-at"), std::string::npos) << all;
}

TEST(ClientMerge, RejectsWhatIsNotAResult) {
  RunResult out;
  std::string error;
  EXPECT_FALSE(read_run_json("not json", &out, &error));
  EXPECT_EQ(error, "not JSON");
  EXPECT_FALSE(read_run_json(R"({"a": 1})", &out, &error));
  EXPECT_NE(error.find("not a percore client result"), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(render_json(host_result("a", 0, 1, 10, 1000, 1, 0, 1)));
  j.erase("histograms");
  EXPECT_FALSE(read_run_json(j.dump(), &out, &error));
  EXPECT_NE(error.find("no histograms"), std::string::npos);
  j = nlohmann::json::parse(render_json(host_result("a", 0, 1, 10, 1000, 1, 0, 1)));
  j["histograms"]["corrected"]["hdr"] = "HISTFAAAA";
  EXPECT_FALSE(read_run_json(j.dump(), &out, &error));
  EXPECT_NE(error.find("histograms.corrected"), std::string::npos);
}

}  // namespace
}  // namespace percore::client
