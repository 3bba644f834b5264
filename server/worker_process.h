// Linux: the forked side of a worker. Sets the process up (parent-death signal, signal handlers,
// its own log), runs the worker (worker.h) and reports its start to the master through a pipe.
#pragma once

#include <cstdint>

#include "server/worker.h"

namespace percore::server {

// What a worker tells the master through the ready pipe; small enough to be written atomically.
struct ReadyRecord {
  int32_t index;
  int32_t error;  // 0 when listening, else errno-like code
  char text[200];
};

// Runs in the forked child; returns the process exit code. launch.report_ready and
// launch.signals are filled in here.
int run_worker_process(const ServerOptions& options, WorkerLaunch launch, int ready_fd,
                       int master_pid, stats::WorkerSlot* slot);

}  // namespace percore::server
