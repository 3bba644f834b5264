// What the runner needs from a load-generating worker thread, whatever the protocol: the thread
// body, a done flag, and statistics published once a second for the progress line and in full
// at the end. `client http` (worker.h) and `client echo` (echo_worker.h) implement it.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "client/run_stats.h"
#include "core/io/backend.h"
#include "core/io/factory.h"
#include "core/util/clock.h"

namespace percore::client {

inline constexpr int kMaxCompletions = 512;
// A refused or failed connect is retried after this pause, so a dead target costs little CPU.
inline constexpr int64_t kBackoffNs = 10 * util::kNsPerMs;
// The loop looks at the stop flag at least this often.
inline constexpr int64_t kMaxWaitNs = 100 * util::kNsPerMs;

// One worker's share of the run, planned by the runner.
struct WorkerPlan {
  int index = 0;
  int cpu = -1;  // -1: not pinned
  int connections = 1;
  uint64_t quota = 0;  // measured requests to send; 0: unlimited
  double rate = 0;     // this worker's share of --rate; 0: closed loop
  int64_t start_ns = 0;
  int64_t measure_ns = 0;  // end of the warmup
  int64_t end_ns = INT64_MAX;
  io::BackendKind backend = io::BackendKind::kEpoll;
};

// The backend token of connection slot `index`: the generation tells a completion for the slot's
// previous socket from one for its current socket.
inline uint64_t slot_token(uint32_t index, uint32_t generation) {
  return ((uint64_t{generation} & 0xffffff) << 32 | index) & io::kTokenMask;
}

class LoadWorker {
 public:
  virtual ~LoadWorker() = default;
  LoadWorker() = default;
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  // The thread body. Returns false with *error when the backend cannot be built.
  virtual bool run(std::string* error) = 0;

  bool done() const { return done_.load(std::memory_order_acquire); }
  int64_t finished_ns() const { return finished_ns_; }
  // The statistics as of the last publish (once a second, and at the end).
  void copy_published(WorkerStats* out) {
    std::lock_guard<std::mutex> lock(published_mu_);
    *out = published_;
  }
  // Only after the thread has finished.
  const WorkerStats& stats() const { return stats_; }

 protected:
  void publish() {
    std::lock_guard<std::mutex> lock(published_mu_);
    published_ = stats_;
  }
  // Publishes the final statistics and lets the runner see the thread is done.
  void mark_done(int64_t now) {
    finished_ns_ = now;
    publish();
    done_.store(true, std::memory_order_release);
  }

  WorkerStats stats_;
  int64_t finished_ns_ = 0;

 private:
  std::mutex published_mu_;
  WorkerStats published_;
  std::atomic<bool> done_{false};
};

}  // namespace percore::client
