// One load-generating worker: a thread pinned to one core with its own backend, connection slab,
// schedule and statistics. It shares nothing with the other workers but the stop flag and a
// once-a-second snapshot of its statistics for the progress line.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "client/connection.h"
#include "client/load_worker.h"
#include "client/options.h"
#include "client/rate_scheduler.h"
#include "client/run_stats.h"
#include "core/io/backend.h"
#include "core/util/deadline_list.h"

namespace percore::client {

class Worker final : public LoadWorker, public ResponseSink {
 public:
  // `requests` holds --pipeline copies of the request, each `request_len` bytes; both outlive
  // the worker. `stop` is set by the runner (Ctrl-C).
  Worker(const Options& options, const std::string& requests, size_t request_len, WorkerPlan plan,
         const std::atomic<bool>* stop);

  bool run(std::string* error) override;

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
};

}  // namespace percore::client
