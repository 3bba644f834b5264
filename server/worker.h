// One worker, on either system: pins itself, builds its backend, opens its sockets (or takes the
// master's), builds its mode from its row of mode_table.h, tells the master whether it started
// and runs the event loop until told to stop. Linux runs it in a forked process
// (worker_process.h), Windows in a pinned thread (master_win.cc); what differs between them is
// in WorkerLaunch and worker_platform.h, so a check added here reaches both.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/io/factory.h"
#include "core/stats/worker_slots.h"
#include "server/options.h"

namespace percore::server {

struct LoopSignals;

struct WorkerLaunch {
  int index = 0;
  int core = 0;
  io::BackendKind backend = io::BackendKind::kAuto;  // resolved by the master
  // The sockets the master opened for this worker, one per options.listen entry (the shared
  // listen modes, and every socket on Windows); empty: the worker opens its own.
  std::vector<int> sockets;
  // Tells the master whether the worker started: error 0, or an errno-like code and a line.
  std::function<void(int error, const std::string& text)> report_ready;
  LoopSignals* signals = nullptr;  // set by the system's stop request (SIGTERM, Ctrl-C)
};

// Returns the worker's exit code: 0 after a clean stop, 1 when it could not start.
int run_worker(const ServerOptions& options, const WorkerLaunch& launch, stats::WorkerSlot* slot);

}  // namespace percore::server
