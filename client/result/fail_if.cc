// --fail-if parsing and evaluation.
#include "client/result/fail_if.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "client/flags/duration.h"
#include "client/result/run_result.h"

namespace percore::client {
namespace {

const char* op_text(Threshold::Op op) {
  switch (op) {
    case Threshold::Op::kGreater:
      return ">";
    case Threshold::Op::kGreaterEqual:
      return ">=";
    case Threshold::Op::kLess:
      return "<";
    case Threshold::Op::kLessEqual:
      return "<=";
  }
  return "?";
}

const ThresholdMetrics kConnectionMetrics{
    {"errors", "non2xx", "timeouts", "in_flight", "lost", "requests", "rps", "achieved_rate"},
    "p99>5ms"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_latency_metric(const std::string& m) {
  return m == "p50" || m == "p90" || m == "p99" || m == "p999" || m == "p9999" || m == "max" ||
         m == "mean";
}

bool crosses(const Threshold& t, double v) {
  switch (t.op) {
    case Threshold::Op::kGreater:
      return v > t.value;
    case Threshold::Op::kGreaterEqual:
      return v >= t.value;
    case Threshold::Op::kLess:
      return v < t.value;
    case Threshold::Op::kLessEqual:
      return v <= t.value;
  }
  return false;
}

bool parse_threshold(std::string_view text, Threshold* out, std::string* error) {
  return parse_threshold_of(kConnectionMetrics, text, out, error);
}

bool parse_threshold_of(const ThresholdMetrics& metrics, std::string_view text, Threshold* out,
                        std::string* error) {
  size_t op_pos = text.find_first_of("<>");
  if (op_pos == std::string_view::npos || trim(text.substr(0, op_pos)).empty()) {
    *error = fmt::format("bad --fail-if '{}': expected METRIC>VALUE or METRIC<VALUE, e.g. {}", text,
                         metrics.example);
    return false;
  }
  out->text = std::string(text);
  // Spaces around the metric, the operator and the value are allowed: 'p99 > 1ms'.
  out->metric = std::string(trim(text.substr(0, op_pos)));
  bool equal = op_pos + 1 < text.size() && text[op_pos + 1] == '=';
  size_t value_pos = op_pos + (equal ? 2 : 1);
  std::string_view rest = trim(text.substr(value_pos));
  if (!rest.empty() && (rest.front() == '<' || rest.front() == '>' || rest.front() == '=')) {
    *error = fmt::format("bad --fail-if '{}': bad operator (expected >, >=, < or <=)", text);
    return false;
  }
  if (text[op_pos] == '>') {
    out->op = equal ? Threshold::Op::kGreaterEqual : Threshold::Op::kGreater;
  } else {
    out->op = equal ? Threshold::Op::kLessEqual : Threshold::Op::kLess;
  }
  std::string value(rest);
  if (is_latency_metric(out->metric)) {
    bool has_unit = !value.empty() && std::isalpha(static_cast<unsigned char>(value.back()));
    int64_t ns = 0;
    std::string why;
    if (!has_unit || !parse_duration(value, &ns, &why)) {
      *error = fmt::format("bad --fail-if '{}': a latency needs a unit (us, ms or s)", text);
      return false;
    }
    out->value = static_cast<double>(ns) / 1e3;
    return true;
  }
  if (std::find(metrics.plain.begin(), metrics.plain.end(), out->metric) == metrics.plain.end()) {
    *error =
        fmt::format("bad --fail-if '{}': unknown metric '{}' (p50 p90 p99 p999 p9999 max mean {})",
                    text, out->metric, fmt::join(metrics.plain, " "));
    return false;
  }
  char* end = nullptr;
  out->value = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0') {
    *error = fmt::format("bad --fail-if '{}': '{}' is not a number", text, value);
    return false;
  }
  return true;
}

double metric_value(const RunResult& r, const std::string& m) {
  const stats::Histogram& h = r.latency();
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1e3; };
  const WorkerStats& s = r.stats;
  if (m == "p50") return us(h.value_at_percentile(50));
  if (m == "p90") return us(h.value_at_percentile(90));
  if (m == "p99") return us(h.value_at_percentile(99));
  if (m == "p999") return us(h.value_at_percentile(99.9));
  if (m == "p9999") return us(h.value_at_percentile(99.99));
  if (m == "max") return us(h.max());
  if (m == "mean") return h.mean() / 1e3;
  if (m == "errors") return static_cast<double>(s.error_total());
  if (m == "non2xx") return static_cast<double>(s.non2xx());
  if (m == "timeouts") {
    uint64_t t = 0;
    for (uint64_t n : s.errors[static_cast<size_t>(ErrorPhase::kConnectTimeout)]) t += n;
    for (uint64_t n : s.errors[static_cast<size_t>(ErrorPhase::kReadTimeout)]) t += n;
    return static_cast<double>(t);
  }
  if (m == "in_flight") return static_cast<double>(s.in_flight_at_end);
  if (m == "lost") return static_cast<double>(s.lost);
  if (m == "requests") return static_cast<double>(s.completed);
  if (m == "rps") return r.rps;
  if (m == "achieved_rate") return r.achieved_rate;
  return 0;
}

std::vector<std::string> crossed_thresholds(const RunResult& r,
                                            const std::vector<Threshold>& thresholds) {
  std::vector<std::string> crossed;
  for (const Threshold& t : thresholds) {
    double v = metric_value(r, t.metric);
    if (crosses(t, v)) {
      std::string shown =
          is_latency_metric(t.metric) ? fmt::format("{:.1f}us", v) : fmt::format("{:g}", v);
      crossed.push_back(fmt::format("--fail-if {}: {} is {} ({} {} {:g}{})", t.text, t.metric,
                                    shown, t.metric, op_text(t.op), t.value,
                                    is_latency_metric(t.metric) ? "us" : ""));
    }
  }
  return crossed;
}

}  // namespace percore::client
