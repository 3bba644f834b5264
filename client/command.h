// The one skeleton every `client` load command runs through: parse the flags, check what can be
// checked before starting (exit 2), wait for --start-at, run, print the warnings and the text
// report, write --json, judge --fail-if. A command is one row of its steps (LoadCommand); the
// dispatcher (main.cc) maps the word to it. Adding a protocol touches the dispatcher, its flags
// and its worker, not this.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "client/flags/flags.h"
#include "client/os/command_os.h"
#include "client/result/run_identity.h"

namespace percore::client {

// Exit codes of every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the run could not start or a file could not be written
inline constexpr int kExitUsage = 2;   // bad flags, unreachable target
inline constexpr int kExitCrossed = 3;

// The steps of one load command. Opts derives from RunOptions (--json, --fail-if, --segment,
// --start-at), Result from RunIdentity (host, segment, start times) and has `warnings`.
template <class Opts, class Result>
struct LoadCommand {
  ParseStatus (*parse)(int argc, const char* const* argv, Opts* out, std::string* message);
  // Before anything starts: descriptor budget, target reachable (may settle which of the
  // target's addresses to use). False: a usage error (exit 2).
  bool (*preflight)(Opts* options, std::string* message);
  // False with a one-line *error when the run could not run (exit 1).
  bool (*run)(const Opts& options, const std::atomic<bool>* stop, Result* result,
              std::string* error);
  std::string (*text)(const Result& result);
  std::string (*json)(const Result& result);
  std::vector<std::string> (*crossed)(const Result& result, const std::vector<Threshold>& fail_if);
};

// Help (exit 0) or a one-line usage error (exit 2) from a parse; -1 to go on.
int parse_outcome(ParseStatus status, const std::string& message);

// Before a run: whether `path` ("-": stdout, "": none) can be written, so that a typo is a usage
// error now rather than a lost result after the run. Leaves no file behind.
bool check_output_path(const char* flag, const std::string& path, std::string* message);

// Writes `text` to `path` ("-": stdout); false (with a line on stderr) when it cannot.
bool write_output(const std::string& path, const std::string& text);

// Prints the warnings (stderr) and the report (stdout, or stderr when the JSON goes to stdout),
// writes --json, and returns the exit
// code of the --fail-if judgement; shared by the runs and `client merge`.
int report(const std::vector<std::string>& warnings, const std::string& text,
           const std::string& json_path, const std::string& json,
           const std::vector<std::string>& crossed);

template <class Opts, class Result>
int run_command(const LoadCommand<Opts, Result>& c, int argc, const char* const* argv) {
  Opts options;
  std::string message;
  ParseStatus parsed = c.parse(argc, argv, &options, &message);
  if (int rc = parse_outcome(parsed, message); rc >= 0) return rc;
  if (!check_output_path("--json", options.json_path, &message) ||
      !c.preflight(&options, &message)) {
    fmt::print(stderr, "client: {}\n", message);
    return kExitUsage;
  }
  const std::atomic<bool>* stop = arm_stop_signals();
  Result result;
  RunIdentity& id = result;
  id.host = this_host_name();
  id.segment_index = options.segment.index;
  id.segment_count = options.segment.count;
  id.start_at_unix_ms = options.start_at_ms;
  if (options.start_at_ms > 0 && !wait_until_wall_clock(options.start_at_ms, stop)) {
    return kExitFailed;
  }
  id.start_unix_ms = wall_clock_ms();
  if (options.start_at_ms > 0) {
    id.late_start_ms =
        std::max<double>(0, static_cast<double>(id.start_unix_ms - options.start_at_ms));
  }
  if (!c.run(options, stop, &result, &message)) {
    fmt::print(stderr, "client: {}\n", message);
    return kExitFailed;
  }
  if (std::string late = late_start_warning(result); !late.empty()) result.warnings.push_back(late);
  return report(result.warnings, c.text(result), options.json_path,
                options.json_path.empty() ? "" : c.json(result),
                c.crossed(result, options.fail_if));
}

}  // namespace percore::client
