// The skeleton every load-generating worker shares, whatever the protocol: a thread pinned to one
// core with its own backend and connection slots, the event loop, the connect / fail / back-off /
// reconnect lifecycle, the timeouts, the closed-loop fill and the open-loop (--rate) pace, and the
// statistics published once a second for the progress line and in full at the end. It shares
// nothing with the other workers but the stop flag.
//
// A protocol worker (HttpWorker, EchoWorker) supplies its slots and the hooks below: how many
// requests a connection may take now, the bytes of a batch, what received bytes mean, and what a
// server close means.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/options.h"
#include "client/run/load_slot.h"
#include "client/run/rate_scheduler.h"
#include "client/run/run_stats.h"
#include "core/io/backend.h"
#include "core/io/factory.h"
#include "core/util/clock.h"
#include "core/util/deadline_list.h"

namespace percore::client {

inline constexpr int kMaxCompletions = 512;
// A refused or failed connect is retried after this pause, so a dead target costs little CPU.
inline constexpr int64_t kBackoffNs = 10 * util::kNsPerMs;
// After a connect failed for want of a resource (EMFILE, ENFILE, EADDRNOTAVAIL: no descriptor
// or no local port), retrying every 10 ms only burns CPU until something else lets go of one:
// the slot waits this long instead.
inline constexpr int64_t kResourceBackoffNs = 1 * util::kNsPerSec;
// The loop looks at the stop flag at least this often.
inline constexpr int64_t kMaxWaitNs = 100 * util::kNsPerMs;

// One worker's share of the run, planned by the runner.
struct WorkerPlan {
  int index = 0;
  int cpu = -1;  // -1: not pinned
  int connections = 1;
  uint64_t quota = 0;   // measured requests to send; 0: unlimited
  double rate = 0;      // the whole run's --rate (the workers share one grid); 0: closed loop
  int rate_stride = 1;  // --rate: the number of workers on the grid; this one is `index` of them
  // The run's origin: the grid's first point. Open-loop runs put it a short lead after the
  // workers start, so connections opened within the lead delay nothing.
  int64_t start_ns = 0;
  int64_t measure_ns = 0;  // end of the warmup
  int64_t end_ns = INT64_MAX;
  io::BackendKind backend = io::BackendKind::kEpoll;
  int rate_index = 0;  // --rate: this worker's place on the grid, 0 <= rate_index < rate_stride
  io::Traffic traffic = io::Traffic::kRequests;
};

class LoadWorker {
 public:
  virtual ~LoadWorker() = default;
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  // The thread body. Returns false with *error when the backend cannot be built.
  bool run(std::string* error);

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
  // `stop` is set by the runner (Ctrl-C).
  LoadWorker(const Options& options, WorkerPlan plan, const std::atomic<bool>* stop);

  // --- Hooks of the protocol worker -----------------------------------------------------------

  // Sizes the protocol's slots (plan_.connections of them) and hands them over with adopt_slots.
  virtual void make_slots() = 0;
  // Makes the socket of a new connection: its fd, or -errno. The default is TCP with Nagle off,
  // since every request is one whole send.
  virtual int open_socket();
  // A new socket is about to connect in `slot`: forget the previous connection's protocol state.
  virtual void on_new_socket(Slot& slot) = 0;
  // How many more requests `slot`, open and not sending, may take now (0: none).
  virtual uint32_t room(const Slot& slot) const = 0;
  // Points slot.iov at the bytes of `count` requests just queued on `slot`.
  virtual void prepare_send(Slot& slot, uint32_t count) = 0;
  // `len` > 0 bytes arrived on an open slot (already counted in bytes_in).
  virtual void on_data(Slot& slot, const char* data, size_t len, int64_t now) = 0;
  // The server closed an open slot.
  virtual void on_eof(Slot& slot, int64_t now) = 0;

  // --- What the hooks call --------------------------------------------------------------------

  // Takes over the protocol's slot vector (not resized after this): numbers the slots and gives
  // each a window of `capacity` requests in flight.
  template <typename SlotT>
  void adopt_slots(std::vector<SlotT>& slots, uint32_t capacity) {
    ring_slab_.resize(slots.size() * capacity);
    slots_.clear();
    for (size_t i = 0; i < slots.size(); ++i) {
      Slot& s = slots[i];
      s.index = static_cast<uint32_t>(i);
      s.capacity = capacity;
      s.ring = &ring_slab_[i * capacity];
      slots_.push_back(&s);
    }
  }
  // Removes the oldest request in flight, whose answer is complete, and returns its times.
  InFlight take_answered(Slot& slot);
  // Whether a request's answer counts (it was due after the warmup).
  bool measured(const InFlight& f) const { return f.intended_ns >= plan_.measure_ns; }
  // After received bytes were handled: re-arm the timeout while requests are outstanding, and
  // send more if the connection has room.
  void after_progress(Slot& slot, int64_t now);
  // Waits for the server's FIN after the last answer, so TIME_WAIT stays on the server side; the
  // timeout reconnects without an error when it does not come.
  void drain(Slot& slot, int64_t now);
  // Counts an error and closes the connection; a failed connect backs off before retrying, any
  // other failure reconnects at once.
  void fail(Slot& slot, ErrorPhase phase, int err, int64_t now);
  // Closes the connection and opens a new one unless the quota is already sent.
  void reconnect(Slot& slot, int64_t now);
  // The server ended a connection that owed nothing: not an error.
  void closed_by_server(Slot& slot, int64_t now) {
    ++stats_.closed_by_server;
    reconnect(slot, now);
  }

  const Options& options_;
  const WorkerPlan plan_;
  WorkerStats stats_;

 private:
  void loop();
  int64_t wait_timeout_us(int64_t now) const;
  void dispatch(const io::Completion& c);
  void start_connect(Slot& slot, int64_t now);
  void on_connect(Slot& slot, int result, int64_t now);
  void on_sent(Slot& slot, int result, int64_t now);
  void on_recv(Slot& slot, const char* data, int result, int64_t now);
  void close_conn(Slot& slot, bool lost);
  void initial_done(Slot& slot);
  void expire(int64_t now);
  bool can_send(const Slot& slot) const;
  void on_capacity(Slot& slot, int64_t now);
  void fill(Slot& slot, int64_t now);
  void start_pace(int64_t now);
  void dispatch_due(int64_t now);
  void send_batch(Slot& slot, uint32_t count, uint64_t first_k, int64_t now);
  bool quota_reached() const { return plan_.quota > 0 && measured_sent_ >= plan_.quota; }
  void finish(int64_t now);
  void count_not_sent(int64_t now);
  void mark_done(int64_t now);
  void publish() {
    std::lock_guard<std::mutex> lock(published_mu_);
    published_ = stats_;
  }

  const std::atomic<bool>* stop_;
  std::unique_ptr<io::Backend> backend_;
  std::vector<Slot*> slots_;  // into the protocol worker's slot vector
  std::vector<InFlight> ring_slab_;
  std::vector<uint32_t> ready_;  // --rate: slots that can take a request now
  util::DeadlineList timeouts_;
  util::DeadlineList backoff_;
  util::DeadlineList resource_backoff_;
  size_t next_source_ = 0;  // --source: round-robin position
  RateScheduler schedule_;
  bool schedule_started_ = false;
  int initial_pending_ = 0;
  uint64_t first_k_ = 0;  // --rate: the first request after the pace began (those before: missed)
  uint64_t next_k_ = 0;   // --rate: the next request of the schedule to send
  uint64_t measured_sent_ = 0;
  uint64_t in_flight_total_ = 0;
  bool stopping_ = false;
  int64_t finished_ns_ = 0;

  std::mutex published_mu_;
  WorkerStats published_;
  std::atomic<bool> done_{false};
};

// Builds one worker of a run from its plan. A protocol's factory holds what its workers share
// read-only (request bytes, pattern table), built once before the clock starts.
using WorkerFactory =
    std::function<std::unique_ptr<LoadWorker>(const WorkerPlan& plan, const std::atomic<bool>*)>;

}  // namespace percore::client
