#include <windows.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "client/os/command_os.h"
#include "core/net/winsock.h"

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

bool start_networking() {
  if (int rc = net::ensure_winsock(); rc != 0) {
    fmt::print(stderr, "client: cannot start Winsock (error {})\n", rc);
    return false;
  }
  return true;
}

}  // namespace percore::client
