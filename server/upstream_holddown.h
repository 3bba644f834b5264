// Which upstreams are in rotation, for the proxy and udp-relay alike: one rule, with hysteresis so
// that a flapping upstream changes state (and logs) once per hold, not once per request or
// datagram.
// - Out at the first failure, for the first hold.
// - Every further failure while out restarts the hold: it is back only once a whole hold passed
//   without one (HAProxy's and nginx's fail_timeout work the same way).
// - Failing again within kRelapseWindowNs of coming back doubles the hold, up to the cap; a steady
//   spell that long starts over at the first hold.
// Pure logic on a clock the caller passes in; the caller logs and keeps its gauges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace percore::server {

class UpstreamHoldDown {
 public:
  static constexpr int64_t kMaxHoldNs = 30'000'000'000;
  static constexpr int64_t kRelapseWindowNs = 30'000'000'000;

  // The first hold is the caller's: what a wrong guess costs differs per protocol (see the users).
  UpstreamHoldDown(size_t upstreams, int64_t first_hold_ns, int64_t max_hold_ns = kMaxHoldNs);

  // A failure of upstream u. Returns the hold in ns when that took u out of rotation, 0 when u
  // was out already (the hold restarts, and the failure is counted in failures_while_out()).
  int64_t fail(size_t u, int64_t now_ns);

  // Brings u back when it is out and its hold is over by now_ns (an answer that came after the
  // hold, before the timer noticed). True when it did.
  bool try_back(size_t u, int64_t now_ns);

  // Brings back every upstream whose hold is over by now_ns, calling on_back(u) for each.
  // Cheap when nothing is due: one comparison.
  template <typename Fn>
  void expire(int64_t now_ns, Fn&& on_back) {
    if (now_ns < next_expiry_ns_) return;
    for (size_t u = 0; u < state_.size(); ++u) {
      if (!state_[u].up && now_ns >= state_[u].until_ns) {
        come_back(u, now_ns);
        on_back(u);
      }
    }
    find_next_expiry();
  }

  bool up(size_t u) const { return state_[u].up; }
  size_t up_count() const { return up_count_; }
  size_t size() const { return state_.size(); }
  int64_t first_hold_ns() const { return first_hold_ns_; }
  // The latest hold of u (0 before its first failure) and, while out, when it ends.
  int64_t hold_ns(size_t u) const { return state_[u].hold_ns; }
  int64_t until_ns(size_t u) const { return state_[u].until_ns; }
  // Failures since u last went out, not counting the one that took it out.
  uint32_t failures_while_out(size_t u) const { return state_[u].failures_while_out; }
  // When the next upstream out of rotation is due back; INT64_MAX when none is out.
  int64_t next_expiry_ns() const { return next_expiry_ns_; }

 private:
  struct State {
    bool up = true;
    int64_t until_ns = 0;    // while out: when the hold ends
    int64_t hold_ns = 0;     // the latest hold; 0 before the first failure
    int64_t back_at_ns = 0;  // when it last came back; 0 while it never went out
    uint32_t failures_while_out = 0;
  };
  void come_back(size_t u, int64_t now_ns);
  void find_next_expiry();

  std::vector<State> state_;
  size_t up_count_;
  int64_t next_expiry_ns_ = INT64_MAX;
  int64_t first_hold_ns_;
  int64_t max_hold_ns_;
};

}  // namespace percore::server
