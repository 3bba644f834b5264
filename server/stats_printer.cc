#include "server/stats_printer.h"

#include <fmt/format.h>

#include "core/util/clock.h"

namespace percore::server {
namespace {

using stats::Totals;

uint64_t errors(const Totals& t) {
  return t.counters[stats::kParseErrors] + t.counters[stats::kIoErrors] +
         t.counters[stats::kAcceptErrors];
}

void print_line(FILE* out, const std::string& who, const Totals& now, const Totals& before,
                double secs) {
  auto rate = [&](stats::Counter c) {
    return static_cast<double>(now.counters[c] - before.counters[c]) / secs;
  };
  fmt::print(out,
             "{:<10} req/s {:>9.0f}  conn/s {:>7.0f}  active {:>6}  in {:>7.2f} MB/s  "
             "out {:>7.2f} MB/s  errors/s {:>5.0f}  timeouts {}\n",
             who, rate(stats::kRequests), rate(stats::kAccepted), now.active,
             rate(stats::kBytesIn) / 1e6, rate(stats::kBytesOut) / 1e6,
             static_cast<double>(errors(now) - errors(before)) / secs,
             now.counters[stats::kTimeouts]);
}

}  // namespace

StatsPrinter::StatsPrinter(const stats::WorkerSlots& slots)
    : slots_(slots),
      previous_(static_cast<size_t>(slots.count())),
      previous_ns_(util::now_ns()),
      start_ns_(previous_ns_) {}

void StatsPrinter::print_rates(FILE* out, int64_t now_ns) {
  double secs = static_cast<double>(now_ns - previous_ns_) / 1e9;
  if (secs <= 0) return;
  Totals sum_now, sum_before;
  fmt::print(out, "--- {:.0f}s\n", static_cast<double>(now_ns - start_ns_) / 1e9);
  for (int w = 0; w < slots_.count(); ++w) {
    Totals t;
    t.add(slots_.slot(w));
    std::string who = fmt::format("w{} cpu{}", w, slots_.slot(w).core.load());
    print_line(out, who, t, previous_[w], secs);
    for (int c = 0; c < stats::kCounterCount; ++c) {
      sum_now.counters[c] += t.counters[c];
      sum_before.counters[c] += previous_[w].counters[c];
    }
    sum_now.active += t.active;
    previous_[w] = t;
  }
  print_line(out, "total", sum_now, sum_before, secs);
  previous_ns_ = now_ns;
  fflush(out);
}

void StatsPrinter::print_summary(FILE* out, double elapsed_s) const {
  Totals total = slots_.total();
  fmt::print(out,
             "percore: summary after {:.1f}s: requests {} accepted {} closed {} parse_errors {} "
             "timeouts {} io_errors {} accept_errors {} bytes_in {} bytes_out {}\n",
             elapsed_s, total.counters[stats::kRequests], total.counters[stats::kAccepted],
             total.counters[stats::kClosed], total.counters[stats::kParseErrors],
             total.counters[stats::kTimeouts], total.counters[stats::kIoErrors],
             total.counters[stats::kAcceptErrors], total.counters[stats::kBytesIn],
             total.counters[stats::kBytesOut]);
  for (int w = 0; w < slots_.count(); ++w) {
    const stats::WorkerSlot& s = slots_.slot(w);
    fmt::print(out, "percore:   w{} cpu{} starts {} requests {} accepted {}\n", w, s.core.load(),
               s.starts.load(), s.get(stats::kRequests), s.get(stats::kAccepted));
  }
  fflush(out);
}

}  // namespace percore::server
