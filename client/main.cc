// `client`: the percore load generator (client.exe on Windows too). The dispatcher: one row per
// command word; what differs per system is behind start_networking() (client/os/command_os.h) and
// sweep_main() (client/sweep/sweep_command.h: a usage error on Windows). Exit codes
// (client/command.h): 0 done, 1 runtime failure, 2 usage error or unreachable target, 3 a
// --fail-if threshold was crossed.
#include <string_view>

#include <fmt/format.h>

#include "client/command.h"
#include "client/flags/flags.h"
#include "client/multi_host/merge_command.h"
#include "client/result/fail_if.h"
#include "client/result/report_json.h"
#include "client/result/report_text.h"
#include "client/run/preflight.h"
#include "client/run/runner.h"
#include "client/sweep/sweep_command.h"
#include "client/udp/flags_udp.h"
#include "client/udp/udp_fail_if.h"
#include "client/udp/udp_preflight.h"
#include "client/udp/udp_result.h"
#include "client/udp/udp_run.h"

namespace {

using namespace percore::client;

constexpr LoadCommand<Options, RunResult> kConnectionLoad{
    parse_flags, connection_preflight, run_load, render_text, render_json, crossed_thresholds};

bool check_udp_target(UdpOptions* options, std::string* message) {
  return udp_preflight(*options, message);
}

constexpr LoadCommand<UdpOptions, UdpResult> kUdpLoad{parse_udp_flags, check_udp_target,
                                                      run_udp,         render_udp_text,
                                                      render_udp_json, crossed_udp_thresholds};

struct CommandRow {
  const char* word;
  int (*main)(int argc, const char* const* argv);
};

constexpr CommandRow kCommands[] = {
    {"http",
     [](int argc, const char* const* argv) { return run_command(kConnectionLoad, argc, argv); }},
    {"echo",
     [](int argc, const char* const* argv) { return run_command(kConnectionLoad, argc, argv); }},
    {"udp", [](int argc, const char* const* argv) { return run_command(kUdpLoad, argc, argv); }},
    {"sweep", sweep_main},
    {"merge", merge_main},
};

}  // namespace

int main(int argc, char** argv) {
  if (!start_networking()) return kExitFailed;
  if (argc >= 2) {
    for (const CommandRow& c : kCommands) {
      if (std::string_view(argv[1]) == c.word) return c.main(argc, argv);
    }
  }
  // No or an unknown word: parse_flags says so (usage, or one line and exit 2).
  Options options;
  std::string message;
  ParseStatus parsed = parse_flags(argc, argv, &options, &message);
  int rc = parse_outcome(parsed, message);
  return rc >= 0 ? rc : kExitUsage;
}
