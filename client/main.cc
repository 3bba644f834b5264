// `client`: the percore load generator (`client http`, `client echo`, `client sweep`). Exit codes:
// 0 done, 1 runtime failure, 2 usage error or unreachable target, 3 a --fail-if threshold was
// crossed.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string_view>

#include <fmt/format.h>

#include "client/fail_if.h"
#include "client/fd_budget.h"
#include "client/flags.h"
#include "client/merge.h"
#include "client/merge_command.h"
#include "client/preflight.h"
#include "client/report_json.h"
#include "client/report_text.h"
#include "client/runner.h"
#include "client/sweep.h"
#include "client/udp_command.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop.store(true);
}

std::string this_host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

int64_t wall_clock_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

// Sleeps until the wall clock reaches `unix_ms` (at once if it has); false when interrupted.
bool wait_until(int64_t unix_ms) {
  timespec when{static_cast<time_t>(unix_ms / 1000), static_cast<long>(unix_ms % 1000) * 1'000'000};
  while (!g_stop.load()) {
    int rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &when, nullptr);
    if (rc == 0) return true;
    if (rc != EINTR) return true;
  }
  return false;
}

int usage_error(const std::string& message) {
  fmt::print(stderr, "client: {}\n", message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace percore::client;
  if (argc >= 2 && std::string_view(argv[1]) == "merge") return merge_main(argc, argv);
  struct sigaction stop_sa {};
  stop_sa.sa_handler = on_signal;
  if (argc > 1 && std::string_view(argv[1]) == "udp") {
    sigaction(SIGINT, &stop_sa, nullptr);
    sigaction(SIGTERM, &stop_sa, nullptr);
    return udp_command(argc, argv, &g_stop);
  }
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
  result.host = this_host_name();
  result.segment_index = options.segment.index;
  result.segment_count = options.segment.count;
  result.start_at_unix_ms = options.start_at_ms;
  if (options.start_at_ms > 0 && !wait_until(options.start_at_ms)) return 1;
  result.start_unix_ms = wall_clock_ms();
  if (options.start_at_ms > 0) {
    result.late_start_ms = std::max<double>(0, result.start_unix_ms - options.start_at_ms);
  }
  if (!run_load(options, &g_stop, &result, &message)) {
    fmt::print(stderr, "client: {}\n", message);
    return 1;
  }
  add_late_start_warning(&result);
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
