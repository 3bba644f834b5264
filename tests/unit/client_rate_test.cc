// The open-model schedule: due counts and intended times at constant pace, independent of when
// the loop happens to look.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "client/run/rate_scheduler.h"

namespace percore::client {
namespace {

TEST(ClientRateScheduler, ConstantPace) {
  RateScheduler s(1'000'000, 1000);  // 1000/s: one every 1 ms from t=1ms
  EXPECT_TRUE(s.active());
  EXPECT_EQ(s.intended_ns(0), 1'000'000);
  EXPECT_EQ(s.intended_ns(5), 6'000'000);
  EXPECT_EQ(s.due_by(0), 0u);
  EXPECT_EQ(s.due_by(999'999), 0u);
  EXPECT_EQ(s.due_by(1'000'000), 1u);
  EXPECT_EQ(s.due_by(1'999'999), 1u);
  EXPECT_EQ(s.due_by(2'000'000), 2u);
  // A loop that stalls for a second finds the whole second's requests due at once.
  EXPECT_EQ(s.due_by(1'001'000'000), 1001u);
}

TEST(ClientRateScheduler, DueCountAgreesWithIntendedTimesAtOddRates) {
  for (double rate : {3.0, 7777.0, 123456.7, 1e6}) {
    RateScheduler s(0, rate);
    for (int64_t t = 0; t < 50'000'000; t += 9'973) {
      uint64_t due = s.due_by(t);
      ASSERT_GT(due, 0u);
      EXPECT_LE(s.intended_ns(due - 1), t) << rate << " " << t;
      EXPECT_GT(s.intended_ns(due), t) << rate << " " << t;
    }
    // Over a whole second the count matches the rate.
    EXPECT_NEAR(static_cast<double>(s.due_by(1'000'000'000 - 1)), rate, 1.0);
  }
  EXPECT_FALSE(RateScheduler().active());
}

// The workers of a run share one grid: worker i of T owns points i, i+T, i+2T ... so the
// combined stream is evenly spaced at 1/rate (not T requests at once every T/rate).
TEST(ClientRateScheduler, WorkersInterleaveOnOneGrid) {
  constexpr int kThreads = 3;
  std::vector<int64_t> all;
  for (int i = 0; i < kThreads; ++i) {
    RateScheduler s(5'000, 10, i, kThreads);  // 10/s in all: a point every 100 ms
    for (uint64_t k = 0; k < 4; ++k) all.push_back(s.intended_ns(k));
    EXPECT_EQ(s.intended_ns(0), 5'000 + i * 100'000'000);
    EXPECT_EQ(s.due_by(5'000 + i * 100'000'000 - 1), 0u);
    EXPECT_EQ(s.due_by(5'000 + i * 100'000'000), 1u);
  }
  std::sort(all.begin(), all.end());
  for (size_t n = 0; n < all.size(); ++n) {
    EXPECT_EQ(all[n], 5'000 + static_cast<int64_t>(n) * 100'000'000) << n;
  }
}

// Only grid points inside the run count: -R 2.5 -d 2s holds 5 of them (0, 0.4 ... 1.6 s; 2.0 s is
// the end), -R 1 -d 500ms one, whatever the number of workers.
TEST(ClientRateScheduler, PointsInsideTheRunAddUpToRateTimesDuration) {
  auto points = [](double rate, int64_t duration_ns, int threads) {
    uint64_t n = 0;
    for (int i = 0; i < threads; ++i) {
      n += RateScheduler(0, rate, i, threads).due_by(duration_ns - 1);
    }
    return n;
  };
  for (int threads : {1, 2, 3, 8}) {
    EXPECT_EQ(points(2.5, 2'000'000'000, threads), 5u) << threads;
    EXPECT_EQ(points(1, 500'000'000, threads), 1u) << threads;
    EXPECT_EQ(points(1000, 1'000'000'000, threads), 1000u) << threads;
    EXPECT_EQ(points(7777, 3'000'000'000, threads), 23331u) << threads;
  }
}

}  // namespace
}  // namespace percore::client
