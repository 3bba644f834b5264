#include "core/stats/prometheus.h"

#include <fmt/format.h>

#include <iterator>

namespace percore::stats {

std::string render_prometheus(const WorkerSlots& slots) {
  std::string out;
  auto it = std::back_inserter(out);
  for (int c = 0; c < kCounterCount; ++c) {
    const CounterInfo& info = kCounterInfo[c];
    fmt::format_to(it, "# HELP percore_{} {}\n# TYPE percore_{} counter\n", info.metric, info.help,
                   info.metric);
    for (int w = 0; w < slots.count(); ++w) {
      fmt::format_to(it, "percore_{}{{worker=\"{}\"}} {}\n", info.metric, w,
                     slots.slot(w).get(static_cast<Counter>(c)));
    }
  }
  out += "# HELP percore_active_connections Open client connections\n";
  out += "# TYPE percore_active_connections gauge\n";
  for (int w = 0; w < slots.count(); ++w) {
    fmt::format_to(it, "percore_active_connections{{worker=\"{}\"}} {}\n", w,
                   slots.slot(w).active.load(std::memory_order_relaxed));
  }
  out += "# HELP percore_worker_starts_total Times the worker process was started\n";
  out += "# TYPE percore_worker_starts_total counter\n";
  for (int w = 0; w < slots.count(); ++w) {
    fmt::format_to(it, "percore_worker_starts_total{{worker=\"{}\",cpu=\"{}\"}} {}\n", w,
                   slots.slot(w).core.load(std::memory_order_relaxed),
                   slots.slot(w).starts.load(std::memory_order_relaxed));
  }
  return out;
}

}  // namespace percore::stats
