#include "core/stats/worker_slots.h"

#include <limits>

namespace percore::stats {

void Totals::add(const WorkerSlot& slot) {
  for (int i = 0; i < kCounterCount; ++i) counters[i] += slot.get(static_cast<Counter>(i));
  active += slot.active.load(std::memory_order_relaxed);
  for (int b = 0; b < kLatencyBuckets; ++b) {
    latency[b] += slot.upstream_latency[b].load(std::memory_order_relaxed);
  }
}

double accept_balance(const WorkerSlots& slots) {
  if (slots.count() == 0) return 0;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < slots.count(); ++i) {
    uint64_t n = slots.slot(i).get(kAccepted);
    lo = n < lo ? n : lo;
    hi = n > hi ? n : hi;
  }
  if (hi == 0) return 0;
  if (lo == 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(hi) / static_cast<double>(lo);
}

Totals WorkerSlots::total() const {
  Totals t;
  for (int i = 0; i < count_; ++i) t.add(slots_[i]);
  return t;
}

}  // namespace percore::stats
