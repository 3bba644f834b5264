// A histogram in JSON without loss: the HdrHistogram V2 encoding of the counts (readable by
// HdrHistogram's tools) plus the exact min, max, sum and clamped count it does not carry, so a
// histogram read back merges and answers percentiles exactly as the original does.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/stats/histogram.h"

namespace percore::stats {

nlohmann::json histogram_to_json(const Histogram& h);
// Null with a reason when `j` is not such an object or its parts contradict each other.
std::unique_ptr<Histogram> histogram_from_json(const nlohmann::json& j, std::string* error);

}  // namespace percore::stats
