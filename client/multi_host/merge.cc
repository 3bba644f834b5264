#include "client/multi_host/merge.h"

#include <algorithm>

#include <fmt/format.h>

namespace percore::client {
namespace {

double host_rps(const RunResult& r) {
  return r.duration_s > 0 ? static_cast<double>(r.stats.completed) / r.duration_s : 0;
}

double host_achieved(const RunResult& r) {
  return r.duration_s > 0 ? static_cast<double>(r.stats.sent) / r.duration_s : 0;
}

RunResult start(const RunResult& first) {
  RunResult t;
  t.mode = first.mode;
  t.url = first.url;
  t.pattern = first.pattern;
  t.payload = first.payload;
  t.window = first.window;
  t.method = first.method;
  t.pipeline = first.pipeline;
  t.keepalive = first.keepalive;
  return t;
}

void add(RunResult* t, const RunResult& h) {
  t->stats.merge(h.stats);
  if (h.url != t->url) t->url = "several targets";
  t->threads += h.threads;
  t->connections += h.connections;
  t->target_rate += h.target_rate;
  t->warmup_s = std::max(t->warmup_s, h.warmup_s);
  t->interrupted = t->interrupted || h.interrupted;
  t->duration_s = std::max(t->duration_s, h.duration_s);
  t->cpu_s += h.cpu_s;
  t->rps += host_rps(h);
  t->achieved_rate += host_achieved(h);
}

void judge_total(RunResult* t) {
  if (t->stats.corrected.clamped() > 0 || t->stats.uncorrected.clamped() > 0) {
    t->warnings.push_back("some latencies exceeded 60 s and were recorded as 60 s");
  }
}

constexpr HostMerge<RunResult> kRunMerge{start, finalize, add, judge_total};

}  // namespace

MergedRun merge_runs(std::vector<RunResult> hosts, std::vector<std::string> sources) {
  return merge_hosts(kRunMerge, std::move(hosts), std::move(sources));
}

std::string render_hosts_text(const MergedRun& m) {
  std::string out = hosts_heading(m.hosts.size());
  out += fmt::format("    {:<28} {:>8} {:>12} {:>9} {:>11} {:>11} {:>9}\n", "host", "segment",
                     "completed", "measured", "req/s", "achieved", "late");
  for (size_t i = 0; i < m.hosts.size(); ++i) {
    const RunResult& h = m.hosts[i];
    std::string name = h.host.empty() ? m.sources[i] : h.host;
    std::string achieved =
        h.target_rate > 0 ? fmt::format("{:.1f}%", 100 * host_achieved(h) / h.target_rate) : "-";
    out += fmt::format("    {:<28} {:>8} {:>12} {:>8.2f}s {:>11.1f} {:>11} {:>7.0f}ms\n", name,
                       fmt::format("{}/{}", h.segment_index + 1, h.segment_count),
                       h.stats.completed, h.duration_s, host_rps(h), achieved, h.late_start_ms);
  }
  return out;
}

nlohmann::json hosts_json(const MergedRun& m) {
  nlohmann::json hosts = nlohmann::json::array();
  for (size_t i = 0; i < m.hosts.size(); ++i) {
    const RunResult& h = m.hosts[i];
    hosts.push_back({{"source", m.sources[i]},
                     {"host", h.host},
                     {"segment", {{"index", h.segment_index + 1}, {"count", h.segment_count}}},
                     {"requests", h.stats.completed},
                     {"sent", h.stats.sent},
                     {"errors", h.stats.error_total()},
                     {"duration_s", h.duration_s},
                     {"rps", host_rps(h)},
                     {"target_rate", h.target_rate},
                     {"achieved_rate", host_achieved(h)},
                     {"start_unix_ms", h.start_unix_ms},
                     {"late_start_ms", h.late_start_ms},
                     {"warnings", h.warnings}});
  }
  return hosts;
}

}  // namespace percore::client
