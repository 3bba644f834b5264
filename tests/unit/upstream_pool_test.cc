// Unit tests for the proxy's passive health: an upstream goes out of rotation at its first
// failure and comes back only after a whole hold without one, so a flapping upstream changes
// state (and logs) once per hold rather than once per request.
#include "server/proxy/upstream_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "core/util/clock.h"

namespace percore::server {
namespace {

constexpr int64_t kMs = util::kNsPerMs;
constexpr int64_t kSec = util::kNsPerSec;

class UpstreamPoolHealth : public ::testing::Test {
 protected:
  UpstreamPoolHealth() {
    net::Address a, b;
    std::string err;
    EXPECT_TRUE(net::parse_address("127.0.0.1:1", &a, &err)) << err;
    EXPECT_TRUE(net::parse_address("127.0.0.1:2", &b, &err)) << err;
    options_.upstreams = {a, b};
    slot_ = std::make_unique<stats::WorkerSlot>();
    pool_ = std::make_unique<UpstreamPool>(options_, *slot_);
  }
  uint32_t up_gauge(int b) const { return slot_->upstreams[b].up.load(); }

  ServerOptions options_;
  std::unique_ptr<stats::WorkerSlot> slot_;
  std::unique_ptr<UpstreamPool> pool_;
};

TEST_F(UpstreamPoolHealth, AnswersDuringTheHoldDoNotBringItBack) {
  int64_t t = 1000 * kSec;
  pool_->on_failure(0, t, "refused");
  EXPECT_FALSE(pool_->in_rotation(0));
  EXPECT_EQ(up_gauge(0), 0u);
  // Flapping: an answer, a failure, an answer ... milliseconds apart. It stays out.
  for (int i = 1; i <= 10; ++i) {
    pool_->on_success(0, t + i * kMs);
    EXPECT_FALSE(pool_->in_rotation(0)) << i;
    pool_->on_failure(0, t + i * kMs, "refused");
  }
  pool_->on_timer(t + 10 * kMs + 3 * kSec - 1);  // the last failure restarted the hold
  EXPECT_FALSE(pool_->in_rotation(0));
  pool_->on_timer(t + 10 * kMs + 3 * kSec);
  EXPECT_TRUE(pool_->in_rotation(0));
  EXPECT_EQ(up_gauge(0), 1u);
  EXPECT_TRUE(pool_->in_rotation(1));  // the other upstream was never touched
}

TEST_F(UpstreamPoolHealth, AnAnswerAfterTheHoldBringsItBackBeforeTheTimer) {
  int64_t t = 1000 * kSec;
  pool_->on_failure(0, t, "refused");
  pool_->on_success(0, t + 3 * kSec);
  EXPECT_TRUE(pool_->in_rotation(0));
}

TEST_F(UpstreamPoolHealth, RelapsesDoubleTheHoldUpToALimitAndASteadySpellResetsIt) {
  int64_t t = 1000 * kSec;
  pool_->on_failure(0, t, "refused");
  EXPECT_EQ(pool_->hold_ns(0), 3 * kSec);
  int64_t expected = 3 * kSec;
  for (int i = 0; i < 6; ++i) {
    t += pool_->hold_ns(0);
    pool_->on_timer(t);
    ASSERT_TRUE(pool_->in_rotation(0));
    pool_->on_failure(0, t + 100 * kMs, "refused");  // fails again right after coming back
    t += 100 * kMs;
    expected = std::min(expected * 2, 30 * kSec);
    EXPECT_EQ(pool_->hold_ns(0), expected) << i;
  }
  t += pool_->hold_ns(0);
  pool_->on_timer(t);
  pool_->on_failure(0, t + 31 * kSec, "refused");  // after a steady spell: a fresh start
  EXPECT_EQ(pool_->hold_ns(0), 3 * kSec);
}

TEST_F(UpstreamPoolHealth, OutOfRotationUpstreamIsStillPickedWhenNothingElseIsLeft) {
  int64_t t = 1000 * kSec;
  pool_->on_failure(0, t, "refused");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pool_->pick(0), 1);
  EXPECT_EQ(pool_->pick(uint64_t{1} << 1), 0);  // a dead one still gets the request: 502, no hang
}

}  // namespace
}  // namespace percore::server
