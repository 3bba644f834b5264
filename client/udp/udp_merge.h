// `client merge` for `client udp` results: one report from several hosts (or segments) of one
// run. Counts (sent, received, lost, duplicated, drops, errors) are summed exactly, the RTT
// histograms merged (percentiles of all samples, never averages), and every host is judged on
// its own as a single run judges itself: one that could not keep its -R, dropped datagrams or
// started late is named in a warning.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/multi_host/merge_hosts.h"
#include "client/udp/udp_result.h"

namespace percore::client {

using MergedUdp = MergedHosts<UdpResult>;

// `hosts` must not be empty. The total's rates are over the longest host's sending time (every
// host sends for the same -d); each host's own rates are in the hosts table.
MergedUdp merge_udp_runs(std::vector<UdpResult> hosts, std::vector<std::string> sources);

// The per-host table appended to the text report, and the "hosts" array of the JSON.
std::string render_udp_hosts_text(const MergedUdp& merged);
nlohmann::json udp_hosts_json(const MergedUdp& merged);

}  // namespace percore::client
