// Runs the real `client` binary for end-to-end tests: quiet, bounded in time, with its JSON
// results written to a private temp file and parsed.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace percore::test {

struct ClientRun {
  int status = -1;  // exit code, -1 when killed for time
  std::string output;
  nlohmann::json json;  // discarded (is_discarded()) or null when no JSON was written
};

// `client MODE -q --json TMP ARGS`; the JSON is parsed when there is one.
ClientRun run_client_mode(const std::string& mode, const std::string& args, int timeout_s = 30);

}  // namespace percore::test
