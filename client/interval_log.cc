#include "client/interval_log.h"

namespace percore::client {

bool IntervalLog::open(const std::string& path, int64_t start_unix_ms, bool corrected,
                       std::string* error) {
  corrected_ = corrected;
  previous_.reset();
  previous_s_ = 0;
  std::string comment = corrected
                            ? "percore client: latency in ns, corrected for the --rate schedule"
                            : "percore client: latency in ns";
  return writer_.open(path, start_unix_ms, comment, error);
}

void IntervalLog::tick(const WorkerStats& cumulative, double elapsed_s) {
  const stats::Histogram& now = pick(cumulative);
  stats::Histogram interval(now.highest(), now.significant_digits());
  for (size_t i = 0; i < now.bucket_slots(); ++i) {
    uint64_t before = previous_.count_at_index(i);
    uint64_t count = now.count_at_index(i);
    // Snapshots only grow; a smaller count would mean a snapshot from before the previous one.
    if (count > before) interval.record_at_index(i, count - before);
  }
  writer_.write_interval(previous_s_, elapsed_s - previous_s_, interval);
  previous_.reset();
  previous_.merge(now);
  previous_s_ = elapsed_s;
}

bool IntervalLog::finish(const WorkerStats& final_stats, double elapsed_s) {
  tick(final_stats, elapsed_s);
  return writer_.close();
}

}  // namespace percore::client
