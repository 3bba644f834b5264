#include "client/os/command_os.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

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

bool start_networking() {
  return true;
}

}  // namespace percore::client
