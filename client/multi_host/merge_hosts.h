// The part of `client merge` every protocol shares: each host judged again from its data and its
// warnings named after it, start times and late starts, "mixed" backends and "several targets",
// and the hosts judged together (segments, --start-at). A protocol adds only its own sums.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "client/result/run_identity.h"

namespace percore::client {

template <class Result>
struct MergedHosts {
  Result total;                      // the combined result, in the shape of a single run's
  std::vector<Result> hosts;         // as read, with their warnings re-judged from their data
  std::vector<std::string> sources;  // where each host's result came from
};

// The steps of one protocol's merge. Result derives from RunIdentity and has `backend` and
// `warnings`.
template <class Result>
struct HostMerge {
  // The total before any host is added: what the first host says the run was asked to do.
  Result (*start)(const Result& first);
  // A single run's own judgement, run again on a host as read (replaces its warnings).
  void (*judge)(Result* host);
  // The protocol's figures of `host` added to the total (counts, rates, the target it names).
  void (*add)(Result* total, const Result& host);
  // Warnings about the total, after those about the hosts as a whole; may be null.
  void (*judge_total)(Result* total);
};

// `hosts` must not be empty.
template <class Result>
MergedHosts<Result> merge_hosts(const HostMerge<Result>& steps, std::vector<Result> hosts,
                                std::vector<std::string> sources) {
  MergedHosts<Result> m;
  m.hosts = std::move(hosts);
  m.sources = std::move(sources);
  m.sources.resize(m.hosts.size());
  m.total = steps.start(m.hosts.front());
  Result& t = m.total;
  t.backend = m.hosts.front().backend;
  t.segment_count = 1;
  t.start_unix_ms = INT64_MAX;
  t.start_at_unix_ms = m.hosts.front().start_at_unix_ms;
  std::vector<std::string> host_warnings;
  for (size_t i = 0; i < m.hosts.size(); ++i) {
    Result& h = m.hosts[i];
    // Judged again from the data, the same way a single run judges itself.
    steps.judge(&h);
    if (std::string late = late_start_warning(h); !late.empty()) h.warnings.push_back(late);
    for (const std::string& w : h.warnings) {
      host_warnings.push_back(fmt::format("{}: {}", host_label(h, m.sources[i]), w));
    }
    if (h.backend != t.backend) t.backend = "mixed";
    steps.add(&t, h);
    if (h.start_unix_ms != 0) t.start_unix_ms = std::min(t.start_unix_ms, h.start_unix_ms);
    t.late_start_ms = std::max(t.late_start_ms, h.late_start_ms);
  }
  if (t.start_unix_ms == INT64_MAX) t.start_unix_ms = 0;
  t.host = fmt::format("{} hosts", m.hosts.size());
  std::vector<const RunIdentity*> ids;
  for (const Result& h : m.hosts) ids.push_back(&h);
  judge_hosts(ids, &t.warnings);
  if (steps.judge_total != nullptr) steps.judge_total(&t);
  t.warnings.insert(t.warnings.end(), host_warnings.begin(), host_warnings.end());
  return m;
}

// The first line of the per-host table under a merged text report.
inline std::string hosts_heading(size_t hosts) {
  return fmt::format("  hosts       {} merged\n", hosts);
}

}  // namespace percore::client
