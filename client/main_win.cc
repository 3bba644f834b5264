// `client.exe`: the percore load generator on Windows (client/main.cc on Linux), the same
// dispatcher without `sweep`, whose file starts gnuplot with posix_spawn: on Windows it is a
// one-line usage error. The dispatcher: one row per command word. Exit codes
// (client/command.h): 0 done, 1 runtime failure, 2 usage error or unreachable target, 3 a
// --fail-if threshold was crossed.
#include <string_view>

#include <fmt/format.h>

#include "client/command.h"
#include "client/fail_if.h"
#include "client/fd_budget.h"
#include "client/flags.h"
#include "client/flags_udp.h"
#include "client/merge_command.h"
#include "client/preflight.h"
#include "client/report_json.h"
#include "client/report_text.h"
#include "client/runner.h"
#include "client/udp_fail_if.h"
#include "client/udp_result.h"
#include "client/udp_run.h"
#include "core/net/winsock.h"

namespace {

using namespace percore::client;

// http, echo, sweep: the connections must fit the descriptor limit and the target must answer.
bool connection_preflight(const Options& o, std::string* message) {
  return check_fd_budget(o.connections, o.threads, message) &&
         preflight_connect(o.url.address, o.timeout_ns, message) >= 0;
}

// A datagram target cannot be probed before sending; bad addresses are refused by the flags.
bool udp_preflight(const UdpOptions&, std::string*) {
  return true;
}

constexpr LoadCommand<Options, RunResult> kConnectionLoad{
    parse_flags, connection_preflight, run_load, render_text, render_json, crossed_thresholds};

constexpr LoadCommand<UdpOptions, UdpResult> kUdpLoad{parse_udp_flags, udp_preflight,
                                                      run_udp,         render_udp_text,
                                                      render_udp_json, crossed_udp_thresholds};

int sweep_command(int, const char* const*) {
  fmt::print(stderr,
             "client: sweep is not available on Windows (it plots with gnuplot through "
             "posix_spawn); run client.exe echo once per -c instead\n");
  return kExitUsage;
}

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
    {"sweep", sweep_command},
    {"merge", merge_main},
};

}  // namespace

int main(int argc, char** argv) {
  // The preflight connect runs before any backend exists, so Winsock is started here.
  if (int rc = percore::net::ensure_winsock(); rc != 0) {
    fmt::print(stderr, "client: cannot start Winsock (error {})\n", rc);
    return kExitFailed;
  }
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
