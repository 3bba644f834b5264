// The loop every worker runs: wait for completions, hand them to the mode, run due timers, and
// turn a stop request into a bounded drain.
#pragma once

#include <csignal>
#include <vector>

#include "core/io/backend.h"
#include "server/mode.h"

namespace percore::server {

struct LoopSignals {
  volatile sig_atomic_t drain = 0;  // SIGTERM/SIGINT: finish in-flight work, then exit
  volatile sig_atomic_t reopen_log = 0;
};

class Listeners {
 public:
  static constexpr uint64_t kTag = io::kListenerTokenBit;
  static bool is_listener(uint64_t token) { return (token & kTag) != 0; }

  Listeners(io::Backend& backend, io::AcceptWake wake) : backend_(backend), wake_(wake) {}
  ~Listeners();
  // Takes ownership of a listening socket and starts accepting on it.
  int add(int fd);
  void pause();
  void resume();
  void close_all();
  bool paused() const { return paused_; }

 private:
  io::Backend& backend_;
  io::AcceptWake wake_;
  std::vector<int> fds_;
  bool paused_ = false;
};

// Returns when the mode has drained after a stop request, or the drain timeout passed.
void run_event_loop(io::Backend& backend, Listeners& listeners, Mode& mode,
                    stats::WorkerSlot& stats, LoopSignals& signals, int drain_timeout_ms);

}  // namespace percore::server
