#include "client/udp/udp_fail_if.h"

#include <fmt/format.h>

#include "client/udp/udp_result.h"

namespace percore::client {
namespace {

const ThresholdMetrics kUdpMetrics{
    {"lost", "lost_pct", "duplicated", "reordered", "late", "malformed", "corrupt", "errors",
     "kernel_drops", "sent", "received", "pps"},
    "lost>0"};

}  // namespace

bool parse_udp_threshold(std::string_view text, UdpThreshold* out, std::string* error) {
  return parse_threshold_of(kUdpMetrics, text, out, error);
}

double udp_metric_value(const UdpResult& r, const std::string& m) {
  const UdpStats& s = r.stats;
  if (m == "lost") return static_cast<double>(s.lost);
  if (m == "lost_pct") return r.lost_pct();
  if (m == "duplicated") return static_cast<double>(s.duplicated);
  if (m == "reordered") return static_cast<double>(s.reordered);
  if (m == "late") return static_cast<double>(s.late);
  if (m == "malformed") return static_cast<double>(s.malformed);
  if (m == "corrupt") return static_cast<double>(s.corrupt);
  if (m == "errors") return static_cast<double>(s.errors());
  if (m == "kernel_drops") return static_cast<double>(s.kernel_drops);
  if (m == "sent") return static_cast<double>(s.sent);
  if (m == "received") return static_cast<double>(s.unique);
  if (m == "pps") return r.per_s(s.unique);
  if (m == "max") return static_cast<double>(s.rtt.max()) / 1e3;
  if (m == "mean") return s.rtt.mean() / 1e3;
  double p = m == "p50" ? 50 : m == "p90" ? 90 : m == "p99" ? 99 : m == "p999" ? 99.9 : 99.99;
  return static_cast<double>(s.rtt.value_at_percentile(p)) / 1e3;
}

std::vector<std::string> crossed_udp_thresholds(const UdpResult& result,
                                                const std::vector<UdpThreshold>& thresholds) {
  std::vector<std::string> crossed;
  for (const UdpThreshold& t : thresholds) {
    double v = udp_metric_value(result, t.metric);
    if (crosses(t, v)) {
      crossed.push_back(fmt::format("--fail-if {}: {} is {:.6g}", t.text, t.metric, v));
    }
  }
  return crossed;
}

}  // namespace percore::client
