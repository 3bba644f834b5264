// The master process: prepares listeners, forks one pinned worker per core, prints the ready
// line, then only supervises: restarts dead workers, turns signals into a drain or a stop,
// prints -v statistics and serves /metrics.
#pragma once

#include "server/options.h"

namespace percore::server {

// Returns the process exit code: 0 after a clean stop, 1 on a run-time or set-up failure.
int run_master(ServerOptions options);

}  // namespace percore::server
