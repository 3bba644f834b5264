// --segment shares add up to the whole, and --start-at reads the instants it promises.
#include <gtest/gtest.h>

#include <algorithm>

#include "client/multi_host/segment.h"
#include "tests/unit/client_flags_util.h"

namespace percore::client {
namespace {

TEST(ClientSegment, SharesAddUpToTheWhole) {
  for (uint64_t total : {uint64_t{0}, uint64_t{1}, uint64_t{7}, uint64_t{10}, uint64_t{1000},
                         uint64_t{99'999}, uint64_t{1'000'003}}) {
    for (int n : {1, 2, 3, 4, 7, 16, 100}) {
      uint64_t sum = 0, smallest = UINT64_MAX, largest = 0;
      for (int i = 0; i < n; ++i) {
        uint64_t share = segment_share(total, Segment{i, n});
        sum += share;
        smallest = std::min(smallest, share);
        largest = std::max(largest, share);
      }
      EXPECT_EQ(sum, total) << total << " over " << n;
      EXPECT_LE(largest - smallest, 1u) << total << " over " << n;
    }
  }
}

TEST(ClientSegment, RatesAddUpToTheWhole) {
  EXPECT_EQ(segment_rate(1000, Segment{0, 3}), 334);
  EXPECT_EQ(segment_rate(1000, Segment{1, 3}), 333);
  EXPECT_EQ(segment_rate(1000, Segment{2, 3}), 333);
  for (double rate : {1.0, 5.0, 999.0, 12345.0, 2.5, 1000.75}) {
    for (int n : {1, 2, 3, 8}) {
      double sum = 0;
      for (int i = 0; i < n; ++i) sum += segment_rate(rate, Segment{i, n});
      EXPECT_NEAR(sum, rate, rate * 1e-12) << rate << " over " << n;
    }
  }
}

TEST(ClientSegment, ParsesSegments) {
  Segment s;
  std::string error;
  ASSERT_TRUE(parse_segment("2/3", &s, &error)) << error;
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.count, 3);
  ASSERT_TRUE(parse_segment("1/1", &s, &error));
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "-1/3", "1/3x", ""}) {
    EXPECT_FALSE(parse_segment(bad, &s, &error)) << bad;
    EXPECT_NE(error.find("--segment"), std::string::npos);
  }
}

TEST(ClientSegment, ParsesStartTimes) {
  int64_t ms = 0;
  std::string error;
  ASSERT_TRUE(parse_start_at("1763782200.25", 0, &ms, &error)) << error;
  EXPECT_EQ(ms, 1'763'782'200'250);
  ASSERT_TRUE(parse_start_at("2025-11-22T03:30:00Z", 0, &ms, &error)) << error;
  EXPECT_EQ(ms, 1'763'782'200'000);
  ASSERT_TRUE(parse_start_at("2025-11-22T03:30:00.5Z", 0, &ms, &error)) << error;
  EXPECT_EQ(ms, 1'763'782'200'500);
  ASSERT_TRUE(parse_start_at("+1.5s", 1'000'000, &ms, &error)) << error;
  EXPECT_EQ(ms, 1'001'500);
  for (const char* bad : {"", "soon", "2025-11-22 03:30:00", "2025-11-22T03:30:00", "+x", "-5"}) {
    EXPECT_FALSE(parse_start_at(bad, 0, &ms, &error)) << bad;
    EXPECT_NE(error.find("--start-at"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace percore::client

// The flags, through parse_flags as every load command gets them.
namespace percore::client {
namespace {

TEST(ClientSegmentFlags, EachSegmentGetsItsShareAndTheSharesAddUp) {
  int connections = 0, threads_max = 0;
  uint64_t requests = 0;
  double rate = 0;
  for (int i = 1; i <= 3; ++i) {
    Options o;
    std::string msg;
    ASSERT_EQ(parse_args({"http", "-c", "10", "-t", "4", "-n", "1000", "-R", "500", "--segment",
                          std::to_string(i) + "/3", "http://127.0.0.1:8080/"},
                         &o, &msg),
              ParseStatus::kOk)
        << msg;
    EXPECT_EQ(o.segment.index, i - 1);
    EXPECT_EQ(o.segment.count, 3);
    EXPECT_LE(o.threads, o.connections);
    connections += o.connections;
    requests += o.requests;
    rate += o.rate;
    threads_max = std::max(threads_max, o.threads);
  }
  EXPECT_EQ(connections, 10);
  EXPECT_EQ(requests, 1000u);
  EXPECT_DOUBLE_EQ(rate, 500);
  EXPECT_EQ(threads_max, 4);
}

TEST(ClientSegmentFlags, EchoGetsThemTooAndBadValuesAreOneLine) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse_args({"echo", "-c", "4", "--segment", "2/2", "--start-at", "+2s", "--hdr-log",
                        "/tmp/x.hlog", "127.0.0.1:7"},
                       &o, &msg),
            ParseStatus::kOk)
      << msg;
  EXPECT_EQ(o.connections, 2);
  EXPECT_GT(o.start_at_ms, 0);
  EXPECT_EQ(o.hdr_log_path, "/tmp/x.hlog");
  const std::pair<std::vector<std::string>, std::string> bad[] = {
      {{"http", "-c", "2", "--segment", "3/3", "http://127.0.0.1/"}, "without a connection"},
      {{"http", "-c", "9", "-n", "2", "--segment", "3/3", "http://127.0.0.1/"},
       "without a request"},
      {{"http", "--segment", "4/3", "http://127.0.0.1/"}, "--segment '4/3'"},
      {{"http", "--start-at", "later", "http://127.0.0.1/"}, "--start-at 'later'"},
      {{"sweep", "--segment", "1/2", "127.0.0.1:7"}, "not sweep"},
  };
  for (const auto& [args, expected] : bad) {
    Options b;
    EXPECT_EQ(parse_args(args, &b, &msg), ParseStatus::kError) << expected;
    EXPECT_NE(msg.find(expected), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace percore::client
