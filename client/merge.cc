#include "client/merge.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace percore::client {
namespace {

std::string host_label(const RunResult& r, const std::string& source) {
  std::string name = r.host.empty() ? source : r.host;
  if (r.segment_count > 1)
    name += fmt::format(" (segment {}/{})", r.segment_index + 1, r.segment_count);
  return name;
}

double host_rps(const RunResult& r) {
  return r.duration_s > 0 ? static_cast<double>(r.stats.completed) / r.duration_s : 0;
}

double host_achieved(const RunResult& r) {
  return r.duration_s > 0 ? static_cast<double>(r.stats.sent) / r.duration_s : 0;
}

// What the segments say about completeness: all of one split, none twice, none missing.
void judge_segments(const MergedRun& m, std::vector<std::string>* warnings) {
  std::set<int> counts;
  std::set<int> seen;
  bool duplicate = false;
  for (const RunResult& h : m.hosts) {
    counts.insert(h.segment_count);
    if (h.segment_count > 1 && !seen.insert(h.segment_index).second) duplicate = true;
  }
  if (counts.size() > 1) {
    warnings->push_back("the results come from different --segment splits (different N)");
    return;
  }
  int n = *counts.begin();
  if (duplicate) warnings->push_back("some --segment appears in more than one result");
  if (n > 1 && static_cast<int>(seen.size()) < n) {
    std::string missing;
    for (int i = 0; i < n; ++i) {
      if (seen.count(i) == 0)
        missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", i + 1, n);
    }
    warnings->push_back(
        fmt::format("merged {} of {} segments: missing {} (the totals are short of the whole run)",
                    seen.size(), n, missing));
  }
}

void judge_start_times(const MergedRun& m, std::vector<std::string>* warnings) {
  std::set<int64_t> start_ats;
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const RunResult& h : m.hosts) {
    start_ats.insert(h.start_at_unix_ms);
    if (h.start_unix_ms == 0) continue;
    first = std::min(first, h.start_unix_ms);
    last = std::max(last, h.start_unix_ms);
  }
  if (start_ats.size() > 1) {
    warnings->push_back("the hosts were not given one common --start-at");
  } else if (*start_ats.begin() == 0 && first <= last &&
             static_cast<double>(last - first) > kLateStartMs) {
    warnings->push_back(fmt::format(
        "the hosts started {} ms apart (no --start-at): their loads did not fully overlap",
        last - first));
  }
}

}  // namespace

void add_late_start_warning(RunResult* r) {
  if (r->start_at_unix_ms == 0 || r->late_start_ms <= kLateStartMs) return;
  r->warnings.push_back(fmt::format(
      "started {:.0f} ms after --start-at: this host's load did not overlap the others' fully "
      "(clocks out of sync, or the client was launched too close to the start time)",
      r->late_start_ms));
}

MergedRun merge_runs(std::vector<RunResult> hosts, std::vector<std::string> sources) {
  MergedRun m;
  m.hosts = std::move(hosts);
  m.sources = std::move(sources);
  m.sources.resize(m.hosts.size());
  RunResult& t = m.total;
  const RunResult& first = m.hosts.front();
  t.mode = first.mode;
  t.url = first.url;
  t.pattern = first.pattern;
  t.payload = first.payload;
  t.window = first.window;
  t.method = first.method;
  t.backend = first.backend;
  t.pipeline = first.pipeline;
  t.keepalive = first.keepalive;
  t.segment_count = 1;
  t.start_unix_ms = INT64_MAX;
  t.start_at_unix_ms = first.start_at_unix_ms;
  std::vector<std::string> host_warnings;
  for (size_t i = 0; i < m.hosts.size(); ++i) {
    RunResult& h = m.hosts[i];
    // Judged again from the data, the same way a single run judges itself.
    finalize(&h);
    add_late_start_warning(&h);
    for (const std::string& w : h.warnings) {
      host_warnings.push_back(fmt::format("{}: {}", host_label(h, m.sources[i]), w));
    }
    t.stats.merge(h.stats);
    if (h.backend != t.backend) t.backend = "mixed";
    if (h.url != t.url) t.url = "several targets";
    t.threads += h.threads;
    t.connections += h.connections;
    t.target_rate += h.target_rate;
    t.warmup_s = std::max(t.warmup_s, h.warmup_s);
    t.interrupted = t.interrupted || h.interrupted;
    t.duration_s = std::max(t.duration_s, h.duration_s);
    t.cpu_s += h.cpu_s;
    t.rps += host_rps(h);
    t.achieved_rate += host_achieved(h);
    if (h.start_unix_ms != 0) t.start_unix_ms = std::min(t.start_unix_ms, h.start_unix_ms);
    t.late_start_ms = std::max(t.late_start_ms, h.late_start_ms);
  }
  if (t.start_unix_ms == INT64_MAX) t.start_unix_ms = 0;
  t.host = fmt::format("{} hosts", m.hosts.size());
  judge_segments(m, &t.warnings);
  judge_start_times(m, &t.warnings);
  if (t.stats.corrected.clamped() > 0 || t.stats.uncorrected.clamped() > 0) {
    t.warnings.push_back("some latencies exceeded 60 s and were recorded as 60 s");
  }
  t.warnings.insert(t.warnings.end(), host_warnings.begin(), host_warnings.end());
  return m;
}

std::string render_hosts_text(const MergedRun& m) {
  std::string out = fmt::format("  hosts       {} merged\n", m.hosts.size());
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
