// One worker process: pins itself, opens its own SO_REUSEPORT listeners (or, in the shared listen
// modes, accepts from the ones the master opened), builds its backend and mode, reports
// readiness to the master, and runs the event loop until told to stop.
#pragma once

#include <cstdint>
#include <vector>

#include "core/stats/worker_slots.h"
#include "server/options.h"

namespace percore::server {

// What a worker tells the master through the ready pipe; small enough to be written atomically.
struct ReadyRecord {
  int32_t index;
  int32_t error;  // 0 when listening, else errno-like code
  char text[200];
};

struct WorkerLaunch {
  int index;
  int core;
  io::BackendKind backend;
  int ready_fd;
  int master_pid;
  // Shared listen modes: the master's listening sockets, one per options.listen entry.
  const std::vector<int>* shared_fds;
};

// Runs in the forked child; returns the process exit code.
int run_worker(const ServerOptions& options, const WorkerLaunch& launch, stats::WorkerSlot* slot);

}  // namespace percore::server
