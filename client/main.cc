// `client`: the percore load generator (`client http`, `client echo`, `client sweep`). Exit codes:
// 0 done, 1 runtime failure, 2 usage error or unreachable target, 3 a --fail-if threshold was
// crossed.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "client/fail_if.h"
#include "client/fd_budget.h"
#include "client/flags.h"
#include "client/preflight.h"
#include "client/report_json.h"
#include "client/report_text.h"
#include "client/runner.h"
#include "client/sweep.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop.store(true);
}

int usage_error(const std::string& message) {
  fmt::print(stderr, "client: {}\n", message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace percore::client;
  Options options;
  std::string message;
  switch (parse_flags(argc, argv, &options, &message)) {
    case ParseStatus::kHelp:
      fmt::print("{}\n", message);
      return 0;
    case ParseStatus::kError:
      return usage_error(message);
    case ParseStatus::kOk:
      break;
  }
  if (!check_fd_budget(options.connections, options.threads, &message)) {
    return usage_error(message);
  }
  if (preflight_connect(options.url.address, options.timeout_ns, &message) < 0) {
    return usage_error(message);
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (options.command == Command::kSweep) return run_sweep(options, &g_stop);

  RunResult result;
  if (!run_load(options, &g_stop, &result, &message)) {
    fmt::print(stderr, "client: {}\n", message);
    return 1;
  }
  for (const std::string& w : result.warnings) fmt::print(stderr, "client: WARNING: {}\n", w);
  fmt::print("{}", render_text(result));
  std::fflush(stdout);
  if (!options.json_path.empty()) {
    std::string json = render_json(result);
    if (options.json_path == "-") {
      fmt::print("{}", json);
    } else {
      std::ofstream out(options.json_path);
      out << json;
      if (!out) {
        fmt::print(stderr, "client: cannot write --json {}\n", options.json_path);
        return 1;
      }
    }
  }
  std::vector<std::string> crossed = crossed_thresholds(result, options.fail_if);
  for (const std::string& c : crossed) fmt::print(stderr, "client: {}\n", c);
  return crossed.empty() ? 0 : 3;
}
