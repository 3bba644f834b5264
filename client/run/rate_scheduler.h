// The open-model pace. All the workers of a run share one grid of intended send times spaced
// 1/rate apart from the run's origin; worker i of T owns every T-th point, starting with the i-th:
// its request k is due at origin + (i + k*T) / rate. The combined stream is then evenly spaced at
// 1/rate instead of T workers each sending at rate/T from the same instant (bursts of T).
// Latency is measured from these intended times, so a stall delays the schedule's requests on
// paper as well as on the wire (no coordinated omission).
#pragma once

#include <cstdint>

namespace percore::client {

// Time from starting the workers to the grid's origin, so that threads, backends and connections
// that open within it (loopback, an idle server) miss no point of the grid. On the busy 2-core dev
// VM, thread start, backend setup and 10 loopback connects took up to 93 ms.
inline constexpr int64_t kOpenLoopLeadNs = 200'000'000;

class RateScheduler {
 public:
  RateScheduler() = default;
  // rate_per_s > 0 is the whole run's rate; 0 <= index < stride (the number of workers).
  RateScheduler(int64_t origin_ns, double rate_per_s, int index = 0, int stride = 1)
      : origin_ns_(origin_ns),
        step_ns_(1e9 / rate_per_s),
        index_(static_cast<uint64_t>(index)),
        stride_(static_cast<uint64_t>(stride)) {}

  bool active() const { return step_ns_ > 0; }
  // The intended send time of this worker's request k (0-based).
  int64_t intended_ns(uint64_t k) const {
    return origin_ns_ + static_cast<int64_t>(static_cast<double>(index_ + k * stride_) * step_ns_);
  }
  // How many of this worker's requests are due by now (request k is due once intended_ns(k) <=
  // now).
  uint64_t due_by(int64_t now_ns) const {
    if (now_ns < intended_ns(0)) return 0;
    double points = static_cast<double>(now_ns - origin_ns_) / step_ns_;  // grid points since 0
    auto n = static_cast<uint64_t>((points - static_cast<double>(index_)) /
                                   static_cast<double>(stride_)) +
             1;
    // Floating point may put the boundary one off; settle it against intended_ns itself.
    while (n > 0 && intended_ns(n - 1) > now_ns) --n;
    while (intended_ns(n) <= now_ns) ++n;
    return n;
  }

 private:
  int64_t origin_ns_ = 0;
  double step_ns_ = 0;  // between consecutive points of the shared grid
  uint64_t index_ = 0;
  uint64_t stride_ = 1;
};

}  // namespace percore::client
