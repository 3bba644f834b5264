#include "server/worker_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>

#include "core/log/logging.h"
#include "server/event_loop.h"

namespace percore::server {
namespace {

LoopSignals g_signals;

void on_stop_signal(int) {
  g_signals.drain = 1;
}
void on_reopen_signal(int) {
  g_signals.reopen_log = 1;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_stop_signal;  // no SA_RESTART: the loop's wait must return EINTR
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_reopen_signal;
  sigaction(SIGUSR1, &sa, nullptr);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, nullptr);
  sa.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

void report(int fd, int index, int error, const std::string& text) {
  ReadyRecord rec{};
  rec.index = index;
  rec.error = error;
  std::strncpy(rec.text, text.c_str(), sizeof(rec.text) - 1);
  ssize_t n = write(fd, &rec, sizeof(rec));
  (void)n;  // the master treats a missing record as a failed start
}

}  // namespace

int run_worker_process(const ServerOptions& options, WorkerLaunch launch, int ready_fd,
                       int master_pid, stats::WorkerSlot* slot) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != master_pid) return 1;  // the master died before we could ask
  install_signal_handlers();

  std::string error;
  if (!log::init(options.log_file, options.debug, "w" + std::to_string(launch.index), &error)) {
    report(ready_fd, launch.index, 1, error);
    return 1;
  }
  launch.signals = &g_signals;
  launch.report_ready = [ready_fd, index = launch.index](int error, const std::string& text) {
    report(ready_fd, index, error, text);
    if (error == 0) close(ready_fd);
  };
  return run_worker(options, launch, slot);
}

}  // namespace percore::server
