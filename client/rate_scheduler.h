// The open-model pace: request k of a worker is due at start + k / rate, whatever happened to the
// earlier ones. Latency is measured from this intended time, so a stall delays the schedule's
// requests on paper as well as on the wire (no coordinated omission).
#pragma once

#include <cstdint>

namespace percore::client {

class RateScheduler {
 public:
  RateScheduler() = default;
  // rate_per_s > 0.
  RateScheduler(int64_t start_ns, double rate_per_s)
      : start_ns_(start_ns), interval_ns_(1e9 / rate_per_s) {}

  bool active() const { return interval_ns_ > 0; }
  // The intended send time of request k (0-based).
  int64_t intended_ns(uint64_t k) const {
    return start_ns_ + static_cast<int64_t>(static_cast<double>(k) * interval_ns_);
  }
  // How many requests are due by now (request k is due once intended_ns(k) <= now).
  uint64_t due_by(int64_t now_ns) const {
    if (now_ns < start_ns_) return 0;
    auto n = static_cast<uint64_t>(static_cast<double>(now_ns - start_ns_) / interval_ns_) + 1;
    // Floating point may put the boundary one off; settle it against intended_ns itself.
    while (n > 0 && intended_ns(n - 1) > now_ns) --n;
    while (intended_ns(n) <= now_ns) ++n;
    return n;
  }

 private:
  int64_t start_ns_ = 0;
  double interval_ns_ = 0;
};

}  // namespace percore::client
