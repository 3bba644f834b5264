#include "server/upstream_holddown.h"

#include <algorithm>

namespace percore::server {

UpstreamHoldDown::UpstreamHoldDown(size_t upstreams, int64_t first_hold_ns, int64_t max_hold_ns)
    : state_(upstreams),
      up_count_(upstreams),
      first_hold_ns_(first_hold_ns),
      max_hold_ns_(max_hold_ns) {}

int64_t UpstreamHoldDown::fail(size_t u, int64_t now_ns) {
  if (u >= state_.size()) return 0;
  State& s = state_[u];
  if (!s.up) {
    ++s.failures_while_out;
    s.until_ns = now_ns + s.hold_ns;
    find_next_expiry();
    return 0;
  }
  // back_at_ns > 0 only after a hold: a first failure is never a relapse.
  bool relapse = s.back_at_ns > 0 && now_ns - s.back_at_ns < kRelapseWindowNs;
  s.hold_ns = relapse ? std::min(2 * s.hold_ns, max_hold_ns_) : first_hold_ns_;
  s.until_ns = now_ns + s.hold_ns;
  s.failures_while_out = 0;
  s.up = false;
  --up_count_;
  next_expiry_ns_ = std::min(next_expiry_ns_, s.until_ns);
  return s.hold_ns;
}

bool UpstreamHoldDown::try_back(size_t u, int64_t now_ns) {
  if (u >= state_.size() || state_[u].up || now_ns < state_[u].until_ns) return false;
  come_back(u, now_ns);
  find_next_expiry();
  return true;
}

void UpstreamHoldDown::come_back(size_t u, int64_t now_ns) {
  State& s = state_[u];
  s.up = true;
  // A clock at 0 would read as "never went out" and forgive the next relapse.
  s.back_at_ns = std::max<int64_t>(now_ns, 1);
  ++up_count_;
}

void UpstreamHoldDown::find_next_expiry() {
  next_expiry_ns_ = INT64_MAX;
  for (const State& s : state_) {
    if (!s.up) next_expiry_ns_ = std::min(next_expiry_ns_, s.until_ns);
  }
}

}  // namespace percore::server
