// Histogram accuracy: percentiles of known samples against the exact nearest-rank values, the
// bucket arithmetic at the edges, merge and clamping.
#include "core/stats/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace percore::stats {
namespace {

int64_t exact_percentile(const std::vector<int64_t>& sorted, double p) {
  double exact_rank = p / 100.0 * static_cast<double>(sorted.size());
  auto rank = static_cast<size_t>(std::ceil(exact_rank - 1e-9 * exact_rank));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (int64_t v = 0; v < 2048; ++v) h.record(v);
  EXPECT_EQ(h.count(), 2048u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 2047);
  EXPECT_EQ(h.value_at_percentile(50), 1023);
  EXPECT_EQ(h.value_at_percentile(100), 2047);
  EXPECT_DOUBLE_EQ(h.mean(), 1023.5);
}

TEST(Histogram, BucketsKeepThreeSignificantDigits) {
  Histogram h;
  for (int64_t v : {int64_t{1000}, int64_t{2048}, int64_t{123456}, int64_t{999'999'999},
                    int64_t{59'999'999'999}}) {
    int64_t lo = h.lowest_equivalent(v);
    int64_t hi = h.highest_equivalent(v);
    EXPECT_LE(lo, v);
    EXPECT_GE(hi, v);
    EXPECT_LE(static_cast<double>(hi - lo + 1), static_cast<double>(v) / 1000.0) << v;
  }
  // 60 s of nanoseconds in well under a megabyte.
  EXPECT_LT(h.bucket_slots() * sizeof(uint64_t), 512u * 1024);
}

TEST(Histogram, PercentilesMatchExactValuesOfKnownSamples) {
  std::mt19937_64 rng(42);
  // Log-uniform from 1 us to 60 s in ns: every decade gets samples.
  std::uniform_real_distribution<double> exponent(3.0, std::log10(60e9));
  std::vector<int64_t> samples;
  Histogram h;
  for (int i = 0; i < 200'000; ++i) {
    auto v = static_cast<int64_t>(std::pow(10.0, exponent(rng)));
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0}) {
    int64_t want = exact_percentile(samples, p);
    int64_t got = h.value_at_percentile(p);
    EXPECT_GE(got, want) << "p" << p;
    EXPECT_LE(static_cast<double>(got - want), static_cast<double>(want) / 1000.0) << "p" << p;
  }
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_EQ(h.min(), samples.front());
}

TEST(Histogram, TailPercentilesOfABimodalRun) {
  // 9,990 fast responses at 100 us and 10 stalls at 200 ms: p99.9 is fast, p99.99 the stall.
  Histogram h;
  h.record_n(100'000, 9'990);
  h.record_n(200'000'000, 10);
  EXPECT_NEAR(h.value_at_percentile(99), 100'000, 100);
  EXPECT_NEAR(h.value_at_percentile(99.9), 100'000, 100);
  EXPECT_NEAR(h.value_at_percentile(99.91), 200'000'000, 200'000);
  EXPECT_NEAR(h.value_at_percentile(99.99), 200'000'000, 200'000);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  Histogram a, b, all;
  for (int64_t v = 1; v < 100'000'000; v = v * 3 + 7) {
    (v % 2 ? a : b).record(v);
    all.record(v);
  }
  ASSERT_TRUE(a.merge(b));
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  for (double p : {50.0, 90.0, 99.0})
    EXPECT_EQ(a.value_at_percentile(p), all.value_at_percentile(p));
  Histogram other_shape(1000, 2);
  EXPECT_FALSE(a.merge(other_shape));
}

TEST(Histogram, ClampsOutOfRangeAndEmptyIsZero) {
  Histogram h(1'000'000, 3);
  EXPECT_EQ(h.value_at_percentile(99), 0);
  h.record(5'000'000);
  h.record(-4);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.max(), 1'000'000);
  EXPECT_EQ(h.min(), 0);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
}

}  // namespace
}  // namespace percore::stats
