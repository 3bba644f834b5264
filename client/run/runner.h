// Runs a whole `client http` or `client echo` load test: plans the workers (connections, quota and
// rate shares, cores), starts one thread each, prints a progress line a second, and merges the
// results.
#pragma once

#include <atomic>
#include <string>

#include "client/options.h"
#include "client/result/run_result.h"

namespace percore::client {

// Returns false with *error (a one-line setup failure: no backend) when the run could not start.
// `stop` may be set at any time (Ctrl-C) to end the run early; the results so far are kept.
bool run_load(const Options& options, const std::atomic<bool>* stop, RunResult* result,
              std::string* error);

}  // namespace percore::client
