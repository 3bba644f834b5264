// Which udp-relay backends are in rotation. A backend an ICMP error names (port or host
// unreachable) is held out for a while and then tried again, as HAProxy and nginx (fail_timeout)
// do: 1 s at first, doubling each time it fails again soon after coming back, up to a cap, and
// starting over from 1 s once it has stayed clean. UDP has no success signal, so "clean" means
// no error for as long as its last hold-down lasted. Pure logic on a clock the caller passes in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace percore::server {

class BackendHoldDown {
 public:
  static constexpr int64_t kFirstHoldNs = 1'000'000'000;
  static constexpr int64_t kMaxHoldNs = 30'000'000'000;

  explicit BackendHoldDown(size_t backends, int64_t first_hold_ns = kFirstHoldNs,
                           int64_t max_hold_ns = kMaxHoldNs);

  // An error named backend b. Returns the hold-down in ns when that took b out of rotation, 0
  // when b was out already (errors for datagrams sent before the hold-down began do not prolong
  // it).
  int64_t fail(size_t b, int64_t now_ns);

  // Puts back every backend whose hold-down has ended by now_ns, calling on_back(b) for each.
  // Cheap when nothing is due: one comparison.
  template <typename Fn>
  void expire(int64_t now_ns, Fn&& on_back) {
    if (now_ns < next_expiry_ns_) return;
    next_expiry_ns_ = INT64_MAX;
    for (size_t b = 0; b < state_.size(); ++b) {
      State& s = state_[b];
      if (s.up) continue;
      if (now_ns >= s.until_ns) {
        s.up = true;
        s.up_since_ns = now_ns;
        ++up_count_;
        on_back(b);
      } else if (s.until_ns < next_expiry_ns_) {
        next_expiry_ns_ = s.until_ns;
      }
    }
  }

  bool up(size_t b) const { return state_[b].up; }
  size_t up_count() const { return up_count_; }
  size_t size() const { return state_.size(); }
  // When the next held-down backend is due back; INT64_MAX when none is held down.
  int64_t next_expiry_ns() const { return next_expiry_ns_; }

 private:
  struct State {
    bool up = true;
    int64_t until_ns = 0;      // while down: when it is tried again
    int64_t up_since_ns = 0;   // while up after a hold-down: when it came back
    int64_t last_hold_ns = 0;  // the latest hold-down; 0 before the first
  };
  std::vector<State> state_;
  size_t up_count_;
  int64_t next_expiry_ns_ = INT64_MAX;
  int64_t first_hold_ns_;
  int64_t max_hold_ns_;
};

}  // namespace percore::server
