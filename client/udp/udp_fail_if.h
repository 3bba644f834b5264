// --fail-if for `client udp`: the latency thresholds of `client http` (p50 ... max, mean, with a
// unit) plus the datagram counts: lost lost_pct duplicated reordered late malformed corrupt
// errors kernel_drops sent received, and pps (datagrams back per second).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/result/fail_if.h"

namespace percore::client {

using UdpThreshold = Threshold;
struct UdpResult;

bool parse_udp_threshold(std::string_view text, UdpThreshold* out, std::string* error);
double udp_metric_value(const UdpResult& result, const std::string& metric);
// One line per crossed threshold; empty when all hold.
std::vector<std::string> crossed_udp_thresholds(const UdpResult& result,
                                                const std::vector<UdpThreshold>& thresholds);

}  // namespace percore::client
