// `client sweep`: the echo load at 1, 2, 4 ... N connections (kecho-style), one run per step,
// a CSV of rate and latency per step and a PNG of both against concurrency via gnuplot.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "client/options.h"
#include "client/result/run_result.h"

namespace percore::client {

struct SweepRow {
  int connections = 0;
  double rate = 0;  // fully echoed messages per second
  double p50_us = 0;
  double p99_us = 0;
  uint64_t errors = 0;
};

// 1, 2, 4 ... up to max, and max itself when it is not a power of two.
std::vector<int> sweep_steps(int max_connections);

SweepRow sweep_row(const RunResult& result);

// "connections,rate,p50_us,p99_us,errors" and one line per row.
std::string sweep_csv(const std::vector<SweepRow>& rows);

// Runs every step, prints one line per step, writes --csv, --json (an array of the per-step
// results) and --png. Returns the exit code: 0, 1 (a step could not run or a file could not be
// written), 3 (a --fail-if crossed at some step).
int run_sweep(const Options& options, const std::atomic<bool>* stop);

}  // namespace percore::client
