// Where and when one run ran: what every result (http, echo, udp) carries so that the results of
// several hosts can be merged and judged, and what a run's --segment/--start-at/--json/--fail-if
// flags are. Both halves are shared by every load command, so the command skeleton
// (client/command.cc) handles them once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/multi_host/segment.h"
#include "client/result/fail_if.h"

namespace percore::client {

// A host's start later than this after --start-at is reported, as is a spread of start times
// this wide among hosts that were not given one.
inline constexpr double kLateStartMs = 100;

// The flags every load command shares for reporting and for running on several hosts.
struct RunOptions {
  std::string json_path;  // --json; "-": stdout
  std::vector<Threshold> fail_if;
  bool quiet = false;
  Segment segment;           // --segment: this client's share; {0, 1}: the whole run
  int64_t start_at_ms = 0;   // --start-at: wall clock to start at, ms since the epoch; 0: at once
  std::string hdr_log_path;  // --hdr-log: HdrHistogram interval log; empty: none
};

struct RunIdentity {
  std::string host;              // this machine's name
  int segment_index = 0;         // --segment I/N: I (0-based here; 1-based on the command line)
  int segment_count = 1;         // N; 1 when not segmented
  int64_t start_unix_ms = 0;     // wall clock when the load began
  int64_t start_at_unix_ms = 0;  // --start-at, 0 when not given
  double late_start_ms = 0;      // how far after --start-at the load began
};

// The "run" object of a result's JSON, and back (missing fields keep their defaults).
nlohmann::json run_identity_json(const RunIdentity& id);
void read_run_identity(const nlohmann::json& run, RunIdentity* id);

// The warning a run gives about itself when it began more than kLateStartMs after --start-at;
// empty when it did not.
std::string late_start_warning(const RunIdentity& id);

// "load-a (segment 2/3)", or `fallback` for a result without a host name.
std::string host_label(const RunIdentity& id, const std::string& fallback);

// What several hosts' identities say about the merged whole: segments missing, duplicated or of
// different splits; no common --start-at, or (without one) starts too far apart.
void judge_hosts(const std::vector<const RunIdentity*>& hosts, std::vector<std::string>* warnings);

}  // namespace percore::client
