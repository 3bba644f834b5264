// The human report on stdout: readable at a glance, every figure of the JSON present.
#pragma once

#include <string>

#include "client/result/run_result.h"

namespace percore::client {

std::string render_text(const RunResult& result);

// "734us", "1.23ms", "2.50s": a latency in ns with three significant digits.
std::string format_latency(int64_t ns);

// One progress line: elapsed, req/s in the last second, p99 so far, errors.
std::string render_progress(double elapsed_s, bool warmup, double rps, int64_t p99_ns,
                            uint64_t errors, double target_rate, const char* unit = "req/s");

}  // namespace percore::client
