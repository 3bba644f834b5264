// Prometheus text exposition (format 0.0.4) of the per-worker counters.
#pragma once

#include <string>
#include <vector>

#include "core/stats/worker_slots.h"

namespace percore::stats {

// upstream_names: the proxy's -x addresses, used as the backend="..." label (empty: no proxy).
std::string render_prometheus(const WorkerSlots& slots,
                              const std::vector<std::string>& upstream_names = {});

}  // namespace percore::stats
