// The hold-down the proxy and udp-relay share: an upstream leaves rotation at its first failure,
// is back only after a whole hold without one, and waits twice as long each time it fails again
// soon after coming back, up to the cap; a steady spell starts it over.
#include "server/upstream_holddown.h"

#include <gtest/gtest.h>

#include <vector>

namespace percore::server {
namespace {

constexpr int64_t kS = 1'000'000'000;

std::vector<size_t> expire(UpstreamHoldDown& h, int64_t now) {
  std::vector<size_t> back;
  h.expire(now, [&](size_t u) { back.push_back(u); });
  return back;
}

TEST(UpstreamHoldDown, AFailedUpstreamLeavesRotationForTheFirstHoldAndComesBack) {
  UpstreamHoldDown h(2, kS);
  EXPECT_EQ(h.up_count(), 2u);
  EXPECT_EQ(h.next_expiry_ns(), INT64_MAX);
  EXPECT_EQ(h.fail(1, 10 * kS), kS);
  EXPECT_TRUE(h.up(0));
  EXPECT_FALSE(h.up(1));
  EXPECT_EQ(h.up_count(), 1u);
  EXPECT_EQ(h.next_expiry_ns(), 11 * kS);
  EXPECT_TRUE(expire(h, 11 * kS - 1).empty());
  EXPECT_FALSE(h.up(1));
  EXPECT_EQ(expire(h, 11 * kS), std::vector<size_t>{1});
  EXPECT_TRUE(h.up(1));
  EXPECT_EQ(h.up_count(), 2u);
  EXPECT_EQ(h.next_expiry_ns(), INT64_MAX);
  EXPECT_TRUE(expire(h, 12 * kS).empty()) << "a transition is reported once";
}

TEST(UpstreamHoldDown, FailuresWhileOutRestartTheHoldAndAreCountedNotReported) {
  UpstreamHoldDown h(1, kS);
  EXPECT_EQ(h.fail(0, 0), kS);
  EXPECT_EQ(h.fail(0, kS / 2), 0);  // already out: no second transition
  EXPECT_EQ(h.failures_while_out(0), 1u);
  EXPECT_EQ(h.until_ns(0), kS + kS / 2);
  EXPECT_EQ(h.next_expiry_ns(), kS + kS / 2);
  EXPECT_TRUE(expire(h, kS).empty()) << "the failure while out restarted the hold";
  EXPECT_FALSE(h.up(0));
  EXPECT_EQ(expire(h, kS + kS / 2), std::vector<size_t>{0});
  EXPECT_EQ(h.hold_ns(0), kS) << "a restart is not a relapse";
}

TEST(UpstreamHoldDown, AnAnswerBringsItBackOnlyOnceTheHoldIsOver) {
  UpstreamHoldDown h(2, 3 * kS);
  h.fail(0, 0);
  EXPECT_FALSE(h.try_back(0, 3 * kS - 1));
  EXPECT_FALSE(h.up(0));
  EXPECT_TRUE(h.try_back(0, 3 * kS));
  EXPECT_TRUE(h.up(0));
  EXPECT_EQ(h.up_count(), 2u);
  EXPECT_EQ(h.next_expiry_ns(), INT64_MAX);
  EXPECT_TRUE(expire(h, 4 * kS).empty()) << "back already: the timer reports nothing";
  EXPECT_FALSE(h.try_back(1, 4 * kS)) << "an upstream in rotation stays as it is";
  EXPECT_FALSE(h.try_back(7, 4 * kS)) << "an index out of range is ignored";
}

TEST(UpstreamHoldDown, FailingRightAfterComingBackDoublesTheHoldUpToTheCap) {
  UpstreamHoldDown h(1, kS, 8 * kS);
  int64_t now = 0;
  std::vector<int64_t> holds;
  for (int i = 0; i < 6; ++i) {
    int64_t hold = h.fail(0, now);
    holds.push_back(hold);
    now += hold;
    ASSERT_EQ(expire(h, now), std::vector<size_t>{0});
    now += kS / 10;  // fails again at once
  }
  EXPECT_EQ(holds, (std::vector<int64_t>{kS, 2 * kS, 4 * kS, 8 * kS, 8 * kS, 8 * kS}));
}

TEST(UpstreamHoldDown, TheDefaultCapIsThirtySeconds) {
  UpstreamHoldDown h(1, 3 * kS);
  int64_t now = 1000 * kS;
  std::vector<int64_t> holds;
  for (int i = 0; i < 6; ++i) {
    int64_t hold = h.fail(0, now);
    holds.push_back(hold);
    now += hold;
    ASSERT_TRUE(h.try_back(0, now));
    now += kS / 10;
  }
  EXPECT_EQ(holds, (std::vector<int64_t>{3 * kS, 6 * kS, 12 * kS, 24 * kS, 30 * kS, 30 * kS}));
}

TEST(UpstreamHoldDown, OnlyASteadySpellOfTheRelapseWindowStartsTheBackOffOver) {
  UpstreamHoldDown h(1, kS);
  EXPECT_EQ(h.fail(0, 0), kS);
  expire(h, kS);
  EXPECT_EQ(h.fail(0, kS + 1), 2 * kS);  // relapse
  expire(h, 3 * kS + 1);
  int64_t window = UpstreamHoldDown::kRelapseWindowNs;
  EXPECT_EQ(h.fail(0, 3 * kS + window), 4 * kS);  // one ns short of a steady spell
  expire(h, 7 * kS + window);
  EXPECT_EQ(h.fail(0, 7 * kS + 2 * window), kS);  // steady for the whole window
}

TEST(UpstreamHoldDown, AComebackAtClockZeroStillCountsARelapse) {
  UpstreamHoldDown h(1, kS);
  h.fail(0, -kS);
  expire(h, 0);
  EXPECT_EQ(h.fail(0, 1), 2 * kS);
}

TEST(UpstreamHoldDown, EachUpstreamHasItsOwnClockAndTheEarliestIsNext) {
  UpstreamHoldDown h(3, kS);
  h.fail(0, 0);
  h.fail(2, kS / 2);
  EXPECT_EQ(h.up_count(), 1u);
  EXPECT_EQ(h.next_expiry_ns(), kS);
  EXPECT_EQ(expire(h, kS), std::vector<size_t>{0});
  EXPECT_EQ(h.next_expiry_ns(), kS + kS / 2);
  h.fail(1, kS);
  EXPECT_EQ(h.fail(1, kS), 0);
  EXPECT_EQ(h.up_count(), 1u);
  EXPECT_EQ(expire(h, 2 * kS), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(h.up_count(), 3u);
}

TEST(UpstreamHoldDown, EveryUpstreamDownLeavesNoneUp) {
  UpstreamHoldDown h(2, kS);
  h.fail(0, 0);
  h.fail(1, 0);
  EXPECT_EQ(h.up_count(), 0u);
  EXPECT_EQ(h.fail(5, 0), 0) << "an index out of range is ignored";
}

}  // namespace
}  // namespace percore::server
