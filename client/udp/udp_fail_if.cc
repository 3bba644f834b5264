#include "client/udp/udp_fail_if.h"

#include <fmt/format.h>

#include <cstdlib>

#include "client/udp/udp_result.h"

namespace percore::client {
namespace {

bool is_latency(const std::string& m) {
  return m == "p50" || m == "p90" || m == "p99" || m == "p999" || m == "p9999" || m == "max" ||
         m == "mean";
}

constexpr const char* kCounts[] = {"lost",         "lost_pct",  "duplicated", "reordered",
                                   "late",         "malformed", "corrupt",    "errors",
                                   "kernel_drops", "sent",      "received",   "pps"};

bool is_count(const std::string& m) {
  for (const char* c : kCounts) {
    if (m == c) return true;
  }
  return false;
}

bool holds(double v, Threshold::Op op, double limit) {
  switch (op) {
    case Threshold::Op::kGreater:
      return !(v > limit);
    case Threshold::Op::kGreaterEqual:
      return !(v >= limit);
    case Threshold::Op::kLess:
      return !(v < limit);
    case Threshold::Op::kLessEqual:
      return !(v <= limit);
  }
  return true;
}

}  // namespace

bool parse_udp_threshold(std::string_view text, UdpThreshold* out, std::string* error) {
  size_t op_pos = text.find_first_of("<>");
  std::string metric(text.substr(0, op_pos == std::string_view::npos ? text.size() : op_pos));
  if (is_latency(metric)) return parse_threshold(text, out, error);
  if (op_pos == std::string_view::npos || op_pos == 0) {
    *error =
        fmt::format("bad --fail-if '{}': expected METRIC>VALUE or METRIC<VALUE, e.g. lost>0", text);
    return false;
  }
  if (!is_count(metric)) {
    *error = fmt::format(
        "bad --fail-if '{}': unknown metric '{}' (p50 p90 p99 p999 p9999 max mean lost lost_pct "
        "duplicated reordered late malformed corrupt errors kernel_drops sent received pps)",
        text, metric);
    return false;
  }
  bool equal = op_pos + 1 < text.size() && text[op_pos + 1] == '=';
  if (text[op_pos] == '>') {
    out->op = equal ? Threshold::Op::kGreaterEqual : Threshold::Op::kGreater;
  } else {
    out->op = equal ? Threshold::Op::kLessEqual : Threshold::Op::kLess;
  }
  std::string value(text.substr(op_pos + (equal ? 2 : 1)));
  char* end = nullptr;
  out->value = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0') {
    *error = fmt::format("bad --fail-if '{}': '{}' is not a number", text, value);
    return false;
  }
  out->text = std::string(text);
  out->metric = metric;
  return true;
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
    if (!holds(v, t.op, t.value)) {
      crossed.push_back(fmt::format("--fail-if {}: {} is {:.6g}", t.text, t.metric, v));
    }
  }
  return crossed;
}

}  // namespace percore::client
