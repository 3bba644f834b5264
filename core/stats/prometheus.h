// Prometheus text exposition (format 0.0.4) of the per-worker counters.
#pragma once

#include <string>

#include "core/stats/worker_slots.h"

namespace percore::stats {

std::string render_prometheus(const WorkerSlots& slots);

}  // namespace percore::stats
