// One `client echo` worker: a thread pinned to one core with its own backend and connections,
// sending the verifiable pattern (rr: one message at a time; stream: up to --window bytes
// unechoed), checking every echoed byte, and timing each message from its send to the arrival
// of its echo's last byte.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "client/echo_conn.h"
#include "client/load_worker.h"
#include "client/options.h"
#include "client/pattern_table.h"
#include "core/io/backend.h"
#include "core/util/deadline_list.h"

namespace percore::client {

class EchoWorker final : public LoadWorker {
 public:
  // `pattern` holds at least --window bytes per span and outlives the worker.
  EchoWorker(const Options& options, const PatternTable& pattern, WorkerPlan plan,
             const std::atomic<bool>* stop);

  bool run(std::string* error) override;

 private:
  void loop();
  int64_t wait_timeout_us(int64_t now) const;
  void dispatch(const io::Completion& c);
  void start_connect(EchoConn& conn, int64_t now);
  void on_connect(EchoConn& conn, int result, int64_t now);
  void on_sent(EchoConn& conn, int result, int64_t now);
  void on_recv(EchoConn& conn, const char* data, int result, int64_t now);
  void complete_message(EchoConn& conn, int64_t now);
  void fill(EchoConn& conn, int64_t now);
  void fail(EchoConn& conn, ErrorPhase phase, int err, int64_t now);
  void close_conn(EchoConn& conn, bool lost);
  void expire(int64_t now);
  void finish(int64_t now);
  bool quota_reached() const { return plan_.quota > 0 && measured_sent_ >= plan_.quota; }

  const Options& options_;
  const PatternTable& pattern_;
  WorkerPlan plan_;
  const std::atomic<bool>* stop_;
  const uint32_t payload_;
  const bool stream_;

  std::unique_ptr<io::Backend> backend_;
  std::vector<EchoConn> conns_;
  std::vector<int64_t> sent_at_slab_;
  util::DeadlineList timeouts_;
  util::DeadlineList backoff_;
  uint64_t measured_sent_ = 0;
  uint64_t in_flight_total_ = 0;
  bool stopping_ = false;
};

}  // namespace percore::client
