// The one table of load protocols the runner dispatches on: how to build a run's workers, what
// the progress line calls their unit of work, and which result fields are the protocol's own.
// A new protocol is one row here (plus its worker and its flags).
#pragma once

#include "client/options.h"
#include "client/protocol.h"
#include "client/result/run_result.h"
#include "client/run/load_worker.h"

namespace percore::client {

struct LoadProtocol {
  Protocol protocol;
  const char* rate_unit;  // progress line: "req/s", "msg/s"
  // Builds what the workers share, before the clock starts; the factory reads `options` later.
  WorkerFactory (*workers)(const Options& options);
  // Copies the protocol's own settings into the result (report and JSON).
  void (*describe)(const Options& options, RunResult* result);
};

const LoadProtocol& load_protocol(Protocol protocol);

}  // namespace percore::client
