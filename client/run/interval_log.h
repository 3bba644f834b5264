// --hdr-log: the run's latency as an HdrHistogram interval log, one histogram per progress tick
// (about a second), each the difference between the workers' merged histogram at that tick and
// at the one before. The intervals add up to the run's histogram exactly: the last one is taken
// from the final statistics. Which histogram is logged is the command's choice (http/echo: the
// corrected latency under --rate, otherwise the measured one; udp: the round-trip time).
#pragma once

#include <string>

#include "core/stats/hdr_log.h"

namespace percore::client {

class IntervalLog {
 public:
  // Creates the file; `start_unix_ms` is the wall-clock start that interval times count from;
  // `comment` says what the values are.
  bool open(const std::string& path, int64_t start_unix_ms, const std::string& comment,
            std::string* error);
  bool is_open() const { return writer_.is_open(); }
  // Logs what was recorded since the previous tick; `elapsed_s` counts from the start.
  void tick(const stats::Histogram& cumulative, double elapsed_s);
  // The last interval from the final statistics, then closes; false when writing failed.
  bool finish(const stats::Histogram& final_histogram, double elapsed_s);

 private:
  stats::HdrLogWriter writer_;
  stats::Histogram previous_;
  double previous_s_ = 0;
};

}  // namespace percore::client
