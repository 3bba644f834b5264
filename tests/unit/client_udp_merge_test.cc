// `client udp` over several hosts: --segment divides the sockets and -R exactly (remainders to
// the first segments, stream numbers unique over all of them), a udp result reads back whole
// from its JSON, and `client merge` sums the counts exactly and takes percentiles from the
// merged RTT histograms, naming a host that could not keep its rate or started late.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "client/multi_host/merge.h"
#include "client/multi_host/segment.h"
#include "client/udp/flags_udp.h"
#include "client/udp/udp_result.h"
#include "tests/unit/client_result_util.h"

namespace percore::client {
namespace {

ParseStatus parse_udp(std::vector<std::string> args, UdpOptions* o, std::string* msg) {
  std::vector<const char*> argv = {"client", "udp"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return parse_udp_flags(static_cast<int>(argv.size()), argv.data(), o, msg);
}

TEST(ClientUdpSegment, SocketsAndRateAreDividedExactlyAndStreamsStayUnique) {
  for (int n : {1, 2, 3, 7}) {
    int sockets = 0;
    double rate = 0;
    std::set<uint32_t> streams;
    for (int i = 1; i <= n; ++i) {
      UdpOptions o;
      std::string msg;
      ASSERT_EQ(parse_udp({"-t", "3", "-k", "4", "-R", "1000", "--segment",
                           std::to_string(i) + "/" + std::to_string(n), "127.0.0.1:9"},
                          &o, &msg),
                ParseStatus::kOk)
          << msg;
      // 12 sockets: 12/n each, the first 12%n one more.
      EXPECT_EQ(o.total_sockets, 12 / n + (i - 1 < 12 % n ? 1 : 0)) << i << "/" << n;
      EXPECT_LE(o.threads, o.total_sockets);
      EXPECT_LE(o.threads, 3);
      EXPECT_EQ(o.segment.index, i - 1);
      sockets += o.total_sockets;
      rate += o.rate;
      for (int s = 0; s < o.total_sockets; ++s) {
        EXPECT_TRUE(streams.insert(o.first_stream + static_cast<uint32_t>(s)).second)
            << "stream " << o.first_stream + s << " twice";
      }
    }
    EXPECT_EQ(sockets, 12) << n;
    EXPECT_DOUBLE_EQ(rate, 1000) << n;
    EXPECT_EQ(*streams.rbegin(), 11u);
  }
  // 1000/s over 3: 334 + 333 + 333.
  UdpOptions first;
  std::string msg;
  ASSERT_EQ(parse_udp({"-k", "3", "-R", "1000", "--segment", "1/3", "127.0.0.1:9"}, &first, &msg),
            ParseStatus::kOk);
  EXPECT_DOUBLE_EQ(first.rate, 334);
}

TEST(ClientUdpSegment, OffsetsTileTheWhole) {
  for (uint64_t total : {uint64_t{0}, uint64_t{5}, uint64_t{12}, uint64_t{65536}}) {
    for (int n : {1, 2, 3, 7, 100}) {
      uint64_t next = 0;
      for (int i = 0; i < n; ++i) {
        EXPECT_EQ(segment_offset(total, Segment{i, n}), next) << total << " " << i << "/" << n;
        next += segment_share(total, Segment{i, n});
      }
      EXPECT_EQ(next, total);
    }
  }
}

TEST(ClientUdpSegment, AShareOfNothingAndTheOtherFlagsAreOneLineErrors) {
  UdpOptions o;
  std::string msg;
  EXPECT_EQ(parse_udp({"-k", "2", "--segment", "3/3", "127.0.0.1:9"}, &o, &msg),
            ParseStatus::kError);
  EXPECT_NE(msg.find("without a socket"), std::string::npos) << msg;
  EXPECT_EQ(parse_udp({"--segment", "0/3", "127.0.0.1:9"}, &o, &msg), ParseStatus::kError);
  EXPECT_NE(msg.find("--segment '0/3'"), std::string::npos) << msg;
  EXPECT_EQ(parse_udp({"--start-at", "soon", "127.0.0.1:9"}, &o, &msg), ParseStatus::kError);
  EXPECT_NE(msg.find("--start-at 'soon'"), std::string::npos) << msg;
  UdpOptions ok;
  ASSERT_EQ(parse_udp({"--start-at", "+3s", "--hdr-log", "/tmp/u.hlog", "127.0.0.1:9"}, &ok, &msg),
            ParseStatus::kOk)
      << msg;
  EXPECT_GT(ok.start_at_ms, 0);
  EXPECT_EQ(ok.hdr_log_path, "/tmp/u.hlog");
  EXPECT_EQ(ok.total_sockets, 1);
}

// One host's udp result: `n` datagrams back with RTTs base, base+step, ...; `sent_share` of the
// planned ones sent.
UdpResult udp_host(const std::string& host, int segment, int segments, uint64_t n, int64_t base,
                   int64_t step, double rate, double sent_share) {
  UdpResult r;
  r.options.target_text = "198.18.0.1:9000";
  r.options.threads = 1;
  r.options.total_sockets = 4;
  r.options.length = 64;
  r.options.rate = rate;
  r.backend = "epoll";
  r.elapsed_s = 2.0;
  r.host = host;
  r.segment_index = segment;
  r.segment_count = segments;
  r.start_unix_ms = 1'700'000'000'000;
  r.start_at_unix_ms = 1'700'000'000'000;
  UdpStats& s = r.stats;
  s.planned = static_cast<uint64_t>(rate * r.elapsed_s);
  s.sent = static_cast<uint64_t>(static_cast<double>(s.planned) * sent_share);
  s.not_sent = s.planned - s.sent;
  s.unique = n;
  s.received = n + 2;
  s.duplicated = 1;
  s.malformed = 1;
  s.lost = s.sent - n;
  s.sent_bytes = s.sent * 64;
  s.received_bytes = s.received * 64;
  s.kernel_drops = 0;
  s.add_send_error(EAGAIN, 3);
  for (uint64_t i = 0; i < n; ++i) s.rtt.record(base + static_cast<int64_t>(i) * step);
  judge_udp(&r);
  return r;
}

UdpResult through_json(const UdpResult& r) {
  return through_json(r, render_udp_json, read_udp_json);
}

TEST(ClientUdpMerge, ResultReadsBackWhole) {
  UdpResult r = udp_host("load-a", 1, 3, 1900, 40'000, 11, 1000, 1.0);
  UdpResult back = through_json(r);
  expect_identity(back, "load-a", 1, 3);
  EXPECT_EQ(back.stats.sent, r.stats.sent);
  EXPECT_EQ(back.stats.received, r.stats.received);
  EXPECT_EQ(back.stats.unique, 1900u);
  EXPECT_EQ(back.stats.lost, r.stats.lost);
  EXPECT_EQ(back.stats.duplicated, 1u);
  EXPECT_EQ(back.stats.planned, 2000u);
  EXPECT_EQ(back.stats.sent_bytes, r.stats.sent_bytes);
  EXPECT_EQ(back.stats.send_errors[EAGAIN], 3u);
  EXPECT_EQ(back.options.total_sockets, 4);
  EXPECT_DOUBLE_EQ(back.options.rate, 1000);
  for (double p : {0.0, 50.0, 99.0, 99.99, 100.0}) {
    EXPECT_EQ(back.stats.rtt.value_at_percentile(p), r.stats.rtt.value_at_percentile(p)) << p;
  }
  EXPECT_EQ(back.stats.rtt.min(), r.stats.rtt.min());
  EXPECT_EQ(back.stats.rtt.mean(), r.stats.rtt.mean());
}

TEST(ClientUdpMerge, CountsAreExactAndPercentilesComeFromAllSamples) {
  // Very different RTTs per host: the merged p99 is the p99 of all samples in one histogram.
  std::vector<UdpResult> hosts = {udp_host("a", 0, 3, 9000, 30'000, 1, 5000, 1.0),
                                  udp_host("b", 1, 3, 900, 3'000'000, 1000, 5000, 1.0),
                                  udp_host("c", 2, 3, 100, 50'000'000, 7, 5000, 1.0)};
  stats::Histogram all;
  uint64_t sent = 0, received = 0, lost = 0, bytes = 0;
  for (const UdpResult& h : hosts) {
    all.merge(h.stats.rtt);
    sent += h.stats.sent;
    received += h.stats.received;
    lost += h.stats.lost;
    bytes += h.stats.sent_bytes;
  }
  std::vector<UdpResult> read;
  for (const UdpResult& h : hosts) read.push_back(through_json(h));
  MergedUdp m = merge_udp_runs(read, {"a.json", "b.json", "c.json"});
  const UdpResult& t = m.total;
  EXPECT_EQ(t.stats.sent, sent);
  EXPECT_EQ(t.stats.received, received);
  EXPECT_EQ(t.stats.unique, 10'000u);
  EXPECT_EQ(t.stats.lost, lost);
  EXPECT_EQ(t.stats.duplicated, 3u);
  EXPECT_EQ(t.stats.malformed, 3u);
  EXPECT_EQ(t.stats.sent_bytes, bytes);
  EXPECT_EQ(t.stats.send_errors[EAGAIN], 9u);
  EXPECT_EQ(t.stats.rtt.count(), 10'000u);
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_EQ(t.stats.rtt.value_at_percentile(p), all.value_at_percentile(p)) << p;
  }
  // The merged p99 is host b's slowest sample, not a mix of the three hosts' p99s.
  EXPECT_EQ(t.stats.rtt.value_at_percentile(99), all.highest_equivalent(3'000'000 + 899'000));
  EXPECT_DOUBLE_EQ(t.options.rate, 15000);
  EXPECT_EQ(t.options.total_sockets, 12);
  EXPECT_TRUE(t.warnings.empty()) << t.warnings.front();
  std::string text = render_udp_text(t) + render_udp_hosts_text(m);
  EXPECT_NE(text.find("hosts       3 merged"), std::string::npos) << text;
  EXPECT_NE(text.find("rate 15000/s"), std::string::npos) << text;
  // A merged result is a result like any other: it reads back and merges again.
  nlohmann::json j = udp_json(t);
  j["hosts"] = udp_hosts_json(m);
  EXPECT_EQ(j["hosts"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["hosts"][1]["achieved_rate"].get<double>(), 5000);
  UdpResult again;
  std::string error;
  ASSERT_TRUE(read_udp_json(j.dump(), &again, &error)) << error;
  EXPECT_EQ(again.stats.rtt.value_at_percentile(99), all.value_at_percentile(99));
  EXPECT_EQ(again.stats.sent, sent);
}

TEST(ClientUdpMerge, AHostThatFellBehindOrStartedLateIsNamed) {
  UdpResult slow = udp_host("b", 1, 3, 1000, 100'000, 3, 1000, 0.6);
  UdpResult late = udp_host("c", 2, 3, 1000, 100'000, 3, 1000, 1.0);
  late.late_start_ms = 640;
  MergedUdp m = merge_udp_runs({through_json(slow), through_json(late)}, {"b", "c"});
  std::string all;
  for (const std::string& w : m.total.warnings) all += w + "\n";
  EXPECT_NE(all.find("merged 2 of 3 segments: missing 1/3"), std::string::npos) << all;
  EXPECT_NE(all.find("b (segment 2/3): could not keep -R 1000/s"), std::string::npos) << all;
  EXPECT_NE(all.find("c (segment 3/3): started 640 ms after --start-at"), std::string::npos) << all;
  nlohmann::json hosts = udp_hosts_json(m);
  EXPECT_DOUBLE_EQ(hosts[0]["achieved_rate"].get<double>(), 600);
}

TEST(ClientUdpMerge, RejectsWhatIsNotAUdpResult) {
  UdpResult out;
  std::string error;
  EXPECT_FALSE(read_udp_json("[]", &out, &error));
  EXPECT_FALSE(read_udp_json(R"({"mode": "http"})", &out, &error));
  EXPECT_NE(error.find("not a client udp result"), std::string::npos) << error;
  nlohmann::json j = udp_json(udp_host("a", 0, 1, 10, 1000, 1, 100, 1.0));
  j.erase("histograms");
  EXPECT_FALSE(read_udp_json(j.dump(), &out, &error));
  EXPECT_NE(error.find("no histograms"), std::string::npos) << error;
  j = udp_json(udp_host("a", 0, 1, 10, 1000, 1, 100, 1.0));
  j["sent"] = "many";
  EXPECT_FALSE(read_udp_json(j.dump(), &out, &error));
  EXPECT_NE(error.find("malformed result"), std::string::npos) << error;
}

}  // namespace
}  // namespace percore::client
