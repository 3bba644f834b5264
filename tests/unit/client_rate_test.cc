// The open-model schedule: due counts and intended times at constant pace, independent of when
// the loop happens to look.
#include <gtest/gtest.h>

#include "client/rate_scheduler.h"

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

}  // namespace
}  // namespace percore::client
