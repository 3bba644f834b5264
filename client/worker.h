// One load-generating worker: a thread pinned to one core with its own backend, connection slab,
// schedule and statistics. It shares nothing with the other workers but the stop flag and a
// once-a-second snapshot of its statistics for the progress line.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/connection.h"
#include "client/options.h"
#include "client/rate_scheduler.h"
#include "client/run_stats.h"
#include "core/io/backend.h"
#include "core/util/deadline_list.h"

namespace percore::client {

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

class Worker final : public ResponseSink {
 public:
  // `requests` holds --pipeline copies of the request, each `request_len` bytes; both outlive
  // the worker. `stop` is set by the runner (Ctrl-C).
  Worker(const Options& options, const std::string& requests, size_t request_len, WorkerPlan plan,
         const std::atomic<bool>* stop);

  // The thread body. Returns false with *error when the backend cannot be built.
  bool run(std::string* error);

  bool done() const { return done_.load(std::memory_order_acquire); }
  int64_t finished_ns() const { return finished_ns_; }
  // The statistics as of the last publish (once a second, and at the end).
  void copy_published(WorkerStats* out);
  // Only after the thread has finished.
  const WorkerStats& stats() const { return stats_; }

  void on_response(Conn& conn, int status, bool keep_alive) override;

 private:
  void loop();
  void finish(int64_t now);
  int64_t wait_timeout_us(int64_t now) const;
  void dispatch(const io::Completion& c);
  void on_connect(Conn& conn, int result, int64_t now);
  void on_sent(Conn& conn, int result);
  void on_recv(Conn& conn, const char* data, int result, int64_t now);
  void after_responses(Conn& conn, int64_t now);
  void expire(int64_t now);

  void start_connect(Conn& conn, int64_t now);
  void fail(Conn& conn, ErrorPhase phase, int err, int64_t now);
  void close_conn(Conn& conn, bool lost);
  void reconnect(Conn& conn, int64_t now);
  void retire(Conn& conn, int64_t now);
  void initial_done(Conn& conn);

  bool can_send(const Conn& conn) const;
  uint32_t room(const Conn& conn) const;
  void on_capacity(Conn& conn, int64_t now);
  void fill(Conn& conn, int64_t now);
  void dispatch_due(int64_t now);
  void send_batch(Conn& conn, uint32_t count, uint64_t first_k, int64_t now);
  bool quota_reached() const { return plan_.quota > 0 && measured_sent_ >= plan_.quota; }
  void publish();

  const Options& options_;
  const std::string& requests_;
  size_t request_len_;
  WorkerPlan plan_;
  const std::atomic<bool>* stop_;

  std::unique_ptr<io::Backend> backend_;
  std::vector<Conn> conns_;
  std::vector<InFlight> ring_slab_;
  std::vector<uint32_t> ready_;  // --rate: connections that can take a request now
  util::DeadlineList timeouts_;
  util::DeadlineList backoff_;
  RateScheduler schedule_;
  bool schedule_started_ = false;
  int initial_pending_ = 0;
  uint64_t next_k_ = 0;  // --rate: the next request of the schedule to send
  uint64_t measured_sent_ = 0;
  uint64_t in_flight_total_ = 0;
  bool stopping_ = false;
  int64_t finished_ns_ = 0;

  WorkerStats stats_;
  std::mutex published_mu_;
  WorkerStats published_;
  std::atomic<bool> done_{false};
};

}  // namespace percore::client
