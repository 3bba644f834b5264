// What a server mode (HTTP, proxy, echo) looks like to the worker that runs it. The worker owns
// the backend, the listeners and the loop; a mode owns its connections.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/io/backend.h"
#include "core/stats/worker_slots.h"
#include "server/options.h"

namespace percore::server {

struct WorkerContext {
  int index = 0;
  int core = 0;
  io::Backend* backend = nullptr;
  stats::WorkerSlot* slot = nullptr;
  const ServerOptions* options = nullptr;
  // Datagram modes: the worker's bound datagram sockets, one per -a address.
  std::vector<int> datagram_fds;
};

class Mode {
 public:
  virtual ~Mode() = default;
  // A connection accepted on one of the worker's listeners; the mode now owns fd.
  virtual void on_accept(int fd, int64_t now_ns) = 0;
  // Every completion whose token is not a listener's.
  virtual void on_completion(const io::Completion& c, int64_t now_ns) = 0;
  // Called when next_deadline_ns() has passed and at least once a second.
  virtual void on_timer(int64_t now_ns) = 0;
  virtual int64_t next_deadline_ns() const = 0;
  // Graceful stop: no new requests are started; idle connections close now, busy ones after
  // their current response.
  virtual void begin_drain(int64_t now_ns) = 0;
  virtual bool drained() const = 0;
  // Closes everything at once (drain timeout, fatal stop).
  virtual void close_all() = 0;
  // Why the mode cannot work (a socket it needs could not be set up), or empty. The worker
  // reports it as a start-up failure, so the server exits before "ready" instead of running
  // and dropping everything.
  virtual std::string startup_error() const { return {}; }
};

// Builds the mode the options ask for (their row of mode_table.h), or returns nullptr with
// *error set (when error is not null).
std::unique_ptr<Mode> make_mode(WorkerContext& ctx, std::string* error = nullptr);

}  // namespace percore::server
