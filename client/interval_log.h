// --hdr-log: the run's latency as an HdrHistogram interval log, one histogram per progress tick
// (about a second), each the difference between the workers' merged histogram at that tick and
// at the one before. The intervals add up to the run's histogram exactly: the last one is taken
// from the final statistics. Under --rate the corrected latency is logged (the one the report
// leads with), otherwise the measured one.
#pragma once

#include <string>

#include "client/run_stats.h"
#include "core/stats/hdr_log.h"

namespace percore::client {

class IntervalLog {
 public:
  // Creates the file; `start_unix_ms` is the wall-clock start that interval times count from.
  bool open(const std::string& path, int64_t start_unix_ms, bool corrected, std::string* error);
  bool is_open() const { return writer_.is_open(); }
  // Logs what was recorded since the previous tick; `elapsed_s` counts from the start.
  void tick(const WorkerStats& cumulative, double elapsed_s);
  // The last interval from the final statistics, then closes; false when writing failed.
  bool finish(const WorkerStats& final_stats, double elapsed_s);

 private:
  const stats::Histogram& pick(const WorkerStats& s) const {
    return corrected_ ? s.corrected : s.uncorrected;
  }
  stats::HdrLogWriter writer_;
  stats::Histogram previous_;
  double previous_s_ = 0;
  bool corrected_ = false;
};

}  // namespace percore::client
