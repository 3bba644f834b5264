// JSON rendering with nlohmann::json; latencies in microseconds (floating point).
#include "client/result/report_json.h"

#include <nlohmann/json.hpp>

#include "client/result/run_json_fields.h"
#include "core/stats/histogram_json.h"

namespace percore::client {
namespace {

nlohmann::json latency_json(const stats::Histogram& h) {
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1e3; };
  return {{"p50", us(h.value_at_percentile(50))},
          {"p90", us(h.value_at_percentile(90))},
          {"p99", us(h.value_at_percentile(99))},
          {"p999", us(h.value_at_percentile(99.9))},
          {"p9999", us(h.value_at_percentile(99.99))},
          {"max", us(h.max())},
          {"min", us(h.min())},
          {"mean", h.mean() / 1e3},
          {"count", h.count()}};
}

}  // namespace

std::string render_json(const RunResult& r) {
  const WorkerStats& s = r.stats;
  nlohmann::json errors = {{"total", s.error_total()}};
  nlohmann::json by_kind = nlohmann::json::object();
  for (size_t p = 0; p < s.errors.size(); ++p) {
    for (size_t e = 0; e < s.errors[p].size(); ++e) {
      if (s.errors[p][e] == 0) continue;
      by_kind[error_kind_name(static_cast<ErrorPhase>(p), static_cast<int>(e), '/')] =
          s.errors[p][e];
    }
  }
  errors["by_kind"] = by_kind;
  nlohmann::json status = nlohmann::json::object();
  for (size_t code = 0; code < s.status.size(); ++code) {
    if (s.status[code] > 0) status[std::to_string(code)] = s.status[code];
  }
  nlohmann::json j;
  run_fields(r, JsonWriter(&j));
  j["rps"] = r.rps;
  j["achieved_rate"] = r.achieved_rate;
  j["errors"] = errors;
  j["status"] = status;
  j["non2xx"] = s.non2xx();
  j["latency_us"] = latency_json(r.latency());
  j["latency_uncorrected_us"] = latency_json(s.uncorrected);
  j["send_lag_us"] = latency_json(s.send_lag);
  if (r.mode == Protocol::kEcho) {
    // "requests" and "rps" count fully echoed messages, so --fail-if and scripts read both
    // commands alike.
    j["target"] = r.url;
    j["echo"]["messages_per_s"] = r.rps;
    j["echo"]["echoed_mb_per_s"] = r.rps * r.payload / 1e6;
  }
  // The whole histograms, so that `client merge` computes percentiles of several hosts exactly.
  j["histograms"] = {{"corrected", stats::histogram_to_json(s.corrected)},
                     {"uncorrected", stats::histogram_to_json(s.uncorrected)},
                     {"send_lag", stats::histogram_to_json(s.send_lag)}};
  j["run"] = run_identity_json(r);
  j["mode"] = protocol_name(r.mode);
  return j.dump(2) + "\n";
}

}  // namespace percore::client
