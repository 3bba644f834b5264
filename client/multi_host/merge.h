// `client merge`: one report from the results of several hosts (or segments) of one run, for
// each kind of result. Counts are summed exactly, the latency (udp: round-trip) histograms merged
// (so percentiles are those of all samples, never averages), rates are the sums of what each host
// achieved, and every host is judged on its own as a single run judges itself: one that could
// not keep up (its -R), dropped datagrams or started late is named in a warning. The steps every
// kind shares are in merge_hosts.h; merge.cc (http, echo) and udp/udp_merge.cc add their sums.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/multi_host/merge_hosts.h"
#include "client/result/run_result.h"
#include "client/udp/udp_result.h"

namespace percore::client {

using MergedRun = MergedHosts<RunResult>;
using MergedUdp = MergedHosts<UdpResult>;

// `hosts` must not be empty. A udp total's rates are over the longest host's sending time (every
// host sends for the same -d); each host's own rates are in the hosts table.
MergedRun merge_runs(std::vector<RunResult> hosts, std::vector<std::string> sources);
MergedUdp merge_udp_runs(std::vector<UdpResult> hosts, std::vector<std::string> sources);

// The per-host table appended to the text report, and the "hosts" array of the JSON.
std::string render_hosts_text(const MergedRun& merged);
nlohmann::json hosts_json(const MergedRun& merged);
std::string render_udp_hosts_text(const MergedUdp& merged);
nlohmann::json udp_hosts_json(const MergedUdp& merged);

}  // namespace percore::client
