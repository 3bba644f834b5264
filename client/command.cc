#include "client/command.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

namespace percore::client {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop.store(true);
}

}  // namespace

const std::atomic<bool>* arm_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return &g_stop;
}

int parse_outcome(ParseStatus status, const std::string& message) {
  switch (status) {
    case ParseStatus::kHelp:
      fmt::print("{}\n", message);
      return kExitOk;
    case ParseStatus::kError:
      fmt::print(stderr, "client: {}\n", message);
      return kExitUsage;
    case ParseStatus::kOk:
      break;
  }
  return -1;
}

bool write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    fmt::print("{}", text);
    std::fflush(stdout);
    return true;
  }
  std::ofstream out(path);
  out << text;
  if (!out) {
    fmt::print(stderr, "client: cannot write --json {}\n", path);
    return false;
  }
  return true;
}

int64_t wall_clock_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

bool wait_until_wall_clock(int64_t unix_ms, const std::atomic<bool>* stop) {
  timespec when{static_cast<time_t>(unix_ms / 1000), static_cast<long>(unix_ms % 1000) * 1'000'000};
  while (!stop->load()) {
    int rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &when, nullptr);
    if (rc != EINTR) return true;
  }
  return false;
}

std::string this_host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

int report(const std::vector<std::string>& warnings, const std::string& text,
           const std::string& json_path, const std::string& json,
           const std::vector<std::string>& crossed) {
  for (const std::string& w : warnings) fmt::print(stderr, "client: WARNING: {}\n", w);
  fmt::print("{}", text);
  std::fflush(stdout);
  if (!json_path.empty() && !write_output(json_path, json)) return kExitFailed;
  for (const std::string& c : crossed) fmt::print(stderr, "client: {}\n", c);
  return crossed.empty() ? kExitOk : kExitCrossed;
}

}  // namespace percore::client
