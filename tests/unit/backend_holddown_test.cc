// The udp-relay hold-down: a backend an ICMP error names leaves rotation for 1 s, comes back,
// and waits twice as long each time it fails again soon after, up to the cap; a clean stretch
// starts it over.
#include "server/backend_holddown.h"

#include <gtest/gtest.h>

#include <vector>

namespace percore::server {
namespace {

constexpr int64_t kS = 1'000'000'000;

std::vector<size_t> expire(BackendHoldDown& h, int64_t now) {
  std::vector<size_t> back;
  h.expire(now, [&](size_t b) { back.push_back(b); });
  return back;
}

TEST(BackendHoldDown, AFailedBackendLeavesRotationForTheFirstHoldAndComesBack) {
  BackendHoldDown h(2);
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

TEST(BackendHoldDown, ErrorsWhileHeldDownNeitherProlongNorReport) {
  BackendHoldDown h(1);
  EXPECT_EQ(h.fail(0, 0), kS);
  EXPECT_EQ(h.fail(0, kS / 2), 0);  // a late error for a datagram sent before the hold-down
  EXPECT_EQ(h.next_expiry_ns(), kS);
  EXPECT_EQ(expire(h, kS), std::vector<size_t>{0});
}

TEST(BackendHoldDown, FailingRightAfterComingBackDoublesTheHoldUpToTheCap) {
  BackendHoldDown h(1, kS, 8 * kS);
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

TEST(BackendHoldDown, ACleanStretchAsLongAsTheLastHoldStartsTheBackOffOver) {
  BackendHoldDown h(1);
  EXPECT_EQ(h.fail(0, 0), kS);
  expire(h, kS);
  EXPECT_EQ(h.fail(0, kS + 1), 2 * kS);  // relapse
  expire(h, 3 * kS + 1);
  EXPECT_EQ(h.fail(0, 5 * kS + 1), kS);  // clean for 2 s, as long as the last hold
}

TEST(BackendHoldDown, EachBackendHasItsOwnClockAndTheEarliestIsNext) {
  BackendHoldDown h(3);
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

TEST(BackendHoldDown, EveryBackendDownLeavesNoneUp) {
  BackendHoldDown h(2);
  h.fail(0, 0);
  h.fail(1, 0);
  EXPECT_EQ(h.up_count(), 0u);
  EXPECT_EQ(h.fail(5, 0), 0) << "an index out of range is ignored";
}

}  // namespace
}  // namespace percore::server
