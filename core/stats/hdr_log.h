// HdrHistogram's interval log (text format version 1.3): a header naming the wall-clock start,
// then one line per interval, "start,length,max,HISTF...", that HdrHistogram's
// HistogramLogProcessor and the other language ports read, merge and slice by time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/stats/histogram.h"

namespace percore::stats {

class HdrLogWriter {
 public:
  HdrLogWriter() = default;
  HdrLogWriter(const HdrLogWriter&) = delete;
  HdrLogWriter& operator=(const HdrLogWriter&) = delete;
  ~HdrLogWriter() { close(); }

  // Creates `path` and writes the header; interval times are then seconds after
  // `start_unix_ms` (written as both StartTime and BaseTime). False with a reason on failure.
  bool open(const std::string& path, int64_t start_unix_ms, const std::string& comment,
            std::string* error);
  // One interval; the max column is in milliseconds for nanosecond values, as HdrHistogram's
  // own writers do.
  bool write_interval(double start_s, double length_s, const Histogram& h);
  // Flushes and closes; false when anything written was lost.
  bool close();
  bool is_open() const { return file_ != nullptr; }

 private:
  FILE* file_ = nullptr;
  bool failed_ = false;
};

}  // namespace percore::stats
