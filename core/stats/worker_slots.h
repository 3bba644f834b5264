// Per-worker statistics in one shared-memory region mapped by the master before it forks. Each
// worker owns one cache-line-aligned slot and is its only writer, so no update needs a lock or
// even an atomic read-modify-write; the master and the metrics endpoint only read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/stats/counters.h"
#include "core/stats/latency_buckets.h"
#include "core/stats/udp_errors.h"

namespace percore::stats {

// Proxy mode: each worker's view of each backend (-x), in the order given on the command line.
inline constexpr int kMaxUpstreams = 16;

struct UpstreamSlot {
  std::atomic<uint64_t> requests;                    // requests forwarded
  std::atomic<uint64_t> connects;                    // connections opened
  std::atomic<uint64_t> reuses;                      // requests sent on a pooled connection
  std::atomic<uint64_t> failures;                    // connect/IO failures and timeouts
  std::atomic<uint32_t> up;                          // 1 while in rotation
  std::atomic<uint32_t> configured;                  // 1 when this index is a -x backend
  std::atomic<uint64_t> udp_errors[kUdpErrnoKinds];  // udp-relay: failed sends by errno
  std::atomic<uint64_t> unreachable;                 // udp-relay: ICMP errors naming it

  void add(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

struct alignas(64) WorkerSlot {
  std::atomic<uint64_t> counters[kCounterCount];
  std::atomic<int64_t> active;  // open client connections
  std::atomic<int32_t> pid;
  std::atomic<int32_t> core;
  std::atomic<uint32_t> starts;  // 1 + restarts
  UpstreamSlot upstreams[kMaxUpstreams];
  std::atomic<uint64_t> udp_errors[kUdpErrnoKinds];  // datagram errors by errno
  // Time from a request's head being queued for a backend to the response head arriving.
  std::atomic<uint64_t> upstream_latency[kLatencyBuckets];

  void add_latency(int64_t ns) {
    std::atomic<uint64_t>& c = upstream_latency[latency_bucket(ns)];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // Single writer: a plain load and store is enough and avoids a locked instruction.
  void add(Counter c, uint64_t n = 1) {
    counters[c].store(counters[c].load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void add_active(int64_t delta) {
    active.store(active.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }
  uint64_t get(Counter c) const { return counters[c].load(std::memory_order_relaxed); }
  void set(Counter c, uint64_t v) { counters[c].store(v, std::memory_order_relaxed); }
  void add_udp_error(int err, uint64_t n = 1) {
    std::atomic<uint64_t>& c = udp_errors[udp_errno_index(err)];
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// A snapshot of every counter, summed or per worker, for reporting.
struct Totals {
  uint64_t counters[kCounterCount] = {};
  int64_t active = 0;
  uint64_t latency[kLatencyBuckets] = {};
  void add(const WorkerSlot& slot);
};

class WorkerSlots;

// How evenly accepts spread since start: the largest per-worker accepted_total over the smallest.
// 1.0 is perfect; +infinity when some worker accepted nothing while another did; 0 before any
// connection. This is the figure the listen modes and the preload library are compared by.
double accept_balance(const WorkerSlots& slots);

class WorkerSlots {
 public:
  // `count` zeroed slots: on Linux shared with every process forked afterwards
  // (worker_slots_mem.cc), on Windows plain memory for the worker threads (_win.cc).
  static WorkerSlots* create(int count);
  ~WorkerSlots();
  WorkerSlots(const WorkerSlots&) = delete;
  WorkerSlots& operator=(const WorkerSlots&) = delete;

  int count() const { return count_; }
  WorkerSlot& slot(int i) { return slots_[i]; }
  const WorkerSlot& slot(int i) const { return slots_[i]; }
  Totals total() const;

 private:
  WorkerSlots(WorkerSlot* slots, int count, size_t bytes)
      : slots_(slots), count_(count), bytes_(bytes) {}
  WorkerSlot* slots_;
  int count_;
  size_t bytes_;
};

}  // namespace percore::stats
