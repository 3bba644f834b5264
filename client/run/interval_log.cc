#include "client/run/interval_log.h"

namespace percore::client {

bool IntervalLog::open(const std::string& path, int64_t start_unix_ms, const std::string& comment,
                       std::string* error) {
  previous_.reset();
  previous_s_ = 0;
  return writer_.open(path, start_unix_ms, comment, error);
}

void IntervalLog::tick(const stats::Histogram& now, double elapsed_s) {
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

bool IntervalLog::finish(const stats::Histogram& final_histogram, double elapsed_s) {
  tick(final_histogram, elapsed_s);
  return writer_.close();
}

}  // namespace percore::client
