#include "client/result/run_identity.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace percore::client {
namespace {

// All of one split, none twice, none missing.
void judge_segments(const std::vector<const RunIdentity*>& hosts,
                    std::vector<std::string>* warnings) {
  std::set<int> counts;
  std::set<int> seen;
  bool duplicate = false;
  for (const RunIdentity* h : hosts) {
    counts.insert(h->segment_count);
    if (h->segment_count > 1 && !seen.insert(h->segment_index).second) duplicate = true;
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

void judge_start_times(const std::vector<const RunIdentity*>& hosts,
                       std::vector<std::string>* warnings) {
  std::set<int64_t> start_ats;
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const RunIdentity* h : hosts) {
    start_ats.insert(h->start_at_unix_ms);
    if (h->start_unix_ms == 0) continue;
    first = std::min(first, h->start_unix_ms);
    last = std::max(last, h->start_unix_ms);
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

nlohmann::json run_identity_json(const RunIdentity& r) {
  return {{"host", r.host},
          {"segment", {{"index", r.segment_index + 1}, {"count", r.segment_count}}},
          {"start_unix_ms", r.start_unix_ms},
          {"start_at_unix_ms", r.start_at_unix_ms},
          {"late_start_ms", r.late_start_ms}};
}

void read_run_identity(const nlohmann::json& run, RunIdentity* r) {
  r->host = run.value("host", "");
  if (run.contains("segment")) {
    r->segment_index = run["segment"].value("index", 1) - 1;
    r->segment_count = run["segment"].value("count", 1);
  }
  r->start_unix_ms = run.value("start_unix_ms", int64_t{0});
  r->start_at_unix_ms = run.value("start_at_unix_ms", int64_t{0});
  r->late_start_ms = run.value("late_start_ms", 0.0);
}

std::string late_start_warning(const RunIdentity& r) {
  if (r.start_at_unix_ms == 0 || r.late_start_ms <= kLateStartMs) return "";
  return fmt::format(
      "started {:.0f} ms after --start-at: this host's load did not overlap the others' fully "
      "(clocks out of sync, or the client was launched too close to the start time)",
      r.late_start_ms);
}

std::string host_label(const RunIdentity& r, const std::string& fallback) {
  std::string name = r.host.empty() ? fallback : r.host;
  if (r.segment_count > 1)
    name += fmt::format(" (segment {}/{})", r.segment_index + 1, r.segment_count);
  return name;
}

void judge_hosts(const std::vector<const RunIdentity*>& hosts, std::vector<std::string>* warnings) {
  if (hosts.empty()) return;
  judge_segments(hosts, warnings);
  judge_start_times(hosts, warnings);
}

}  // namespace percore::client
