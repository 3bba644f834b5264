// One `client echo` worker: LoadWorker's loop and lifecycle sending the verifiable pattern (rr:
// one message at a time; stream: up to --window bytes unechoed), checking every echoed byte, and
// timing each message from its send to the arrival of its echo's last byte.
#pragma once

#include <atomic>
#include <vector>

#include "client/echo/echo_conn.h"
#include "client/echo/pattern_table.h"
#include "client/options.h"
#include "client/run/load_worker.h"

namespace percore::client {

class EchoWorker final : public LoadWorker {
 public:
  // `pattern` holds at least --window bytes per span and outlives the worker.
  EchoWorker(const Options& options, const PatternTable& pattern, WorkerPlan plan,
             const std::atomic<bool>* stop);

 private:
  void make_slots() override;
  void on_new_socket(Slot& slot) override;
  uint32_t room(const Slot& slot) const override;
  void prepare_send(Slot& slot, uint32_t count) override;
  void on_data(Slot& slot, const char* data, size_t len, int64_t now) override;
  void on_eof(Slot& slot, int64_t now) override;

  void complete_message(EchoConn& conn, int64_t now);

  const PatternTable& pattern_;
  const uint32_t payload_;
  const bool stream_;
  std::vector<EchoConn> conns_;
};

// Builds the pattern table once for the run; the workers it makes share it.
WorkerFactory echo_worker_factory(const Options& options);

}  // namespace percore::client
