// `client merge`: one report from the results of several hosts (or segments) of one run.
// Counts are summed, the latency histograms merged (so percentiles are those of all samples,
// never averages), rates are the sums of what each host achieved, and every host is judged on
// its own: one that could not keep up or started late is named in a warning.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/multi_host/merge_hosts.h"
#include "client/result/run_result.h"

namespace percore::client {

using MergedRun = MergedHosts<RunResult>;

// `hosts` must not be empty.
MergedRun merge_runs(std::vector<RunResult> hosts, std::vector<std::string> sources);

// The per-host table appended to the text report, and the "hosts" array of the JSON.
std::string render_hosts_text(const MergedRun& merged);
nlohmann::json hosts_json(const MergedRun& merged);

}  // namespace percore::client
