// Human-readable statistics: the once-a-second -v lines (rates per worker plus a total) and the
// summary printed when the server exits.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/stats/worker_slots.h"

namespace percore::server {

class StatsPrinter {
 public:
  // upstream_names: the proxy's -x backends (empty outside proxy mode: no proxy lines).
  explicit StatsPrinter(const stats::WorkerSlots& slots,
                        std::vector<std::string> upstream_names = {});
  // Prints one line per worker and a total, as rates since the previous call.
  void print_rates(FILE* out, int64_t now_ns);
  void print_summary(FILE* out, double elapsed_s) const;

 private:
  void print_proxy_line(FILE* out, const std::string& who, const stats::Totals& now,
                        const stats::Totals& before, double secs, int ups) const;
  const stats::WorkerSlots& slots_;
  std::vector<std::string> upstream_names_;
  std::vector<stats::Totals> previous_;
  int64_t previous_ns_;
  int64_t start_ns_;
};

}  // namespace percore::server
