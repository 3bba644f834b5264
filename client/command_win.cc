// Windows: the command steps of client/command.cc. Ctrl-C, Ctrl-Break and console close stop
// a run (SetConsoleCtrlHandler instead of SIGINT/SIGTERM); the wall clock is
// std::chrono::system_clock; the host name is the computer's NetBIOS name.
#include <windows.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "client/command.h"

namespace percore::client {
namespace {

std::atomic<bool> g_stop{false};

BOOL WINAPI on_console_event(DWORD) {
  g_stop.store(true);
  return TRUE;
}

}  // namespace

const std::atomic<bool>* arm_stop_signals() {
  SetConsoleCtrlHandler(on_console_event, TRUE);
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
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool wait_until_wall_clock(int64_t unix_ms, const std::atomic<bool>* stop) {
  // Short sleeps so that Ctrl-C is seen; the wall clock is re-read each time.
  while (!stop->load()) {
    int64_t left = unix_ms - wall_clock_ms();
    if (left <= 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(left < 50 ? left : 50));
  }
  return false;
}

std::string this_host_name() {
  char name[MAX_COMPUTERNAME_LENGTH + 1] = {};
  DWORD len = sizeof name;
  if (!GetComputerNameA(name, &len)) return "";
  return std::string(name, len);
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
