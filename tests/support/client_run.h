// Runs the real `client` binary for end-to-end tests: quiet, bounded in time, with its JSON
// results written to a private temp file and parsed.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/stats/histogram.h"

namespace percore::test {

struct ClientRun {
  int status = -1;  // exit code, -1 when killed for time
  std::string output;
  nlohmann::json json;  // discarded (is_discarded()) or null when no JSON was written
};

// `client MODE -q --json TMP ARGS`; the JSON is parsed when there is one.
ClientRun run_client_mode(const std::string& mode, const std::string& args, int timeout_s = 30);

// --hdr-log's promise: the counts of its intervals, summed per bucket slot (`summed`), are the
// run's whole histogram, slot for slot. Fails the calling test where they are not.
void expect_intervals_add_up(const std::map<size_t, uint64_t>& summed,
                             const stats::Histogram& whole);

}  // namespace percore::test
