#include "server/worker.h"

#include <errno.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>

#include "core/io/factory.h"
#include "core/log/logging.h"
#include "core/net/socket.h"
#include "core/proc/affinity.h"
#include "server/event_loop.h"
#include "server/mode.h"
#include "server/sockmap_mode.h"

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

// The worker's own listener for options.listen[i], or (shared modes) its copy of the master's.
// `cpu` mode uses SO_INCOMING_CPU rather than a SO_ATTACH_REUSEPORT_CBPF program: the CBPF
// program returns an index into the group's socket array, and that array is reordered whenever a
// member leaves (the last socket moves into the hole), so after every worker restart the master
// would have to re-attach a program and, until then, connections land on the wrong worker.
// SO_INCOMING_CPU is a property of each socket: a restarted worker sets it on its new listener
// and nothing else changes; CPUs without a listener fall back to the hash. No privilege needed.
int open_listener(const ServerOptions& options, const WorkerLaunch& launch, size_t i) {
  // Shared modes use the inherited descriptor itself (closing it closes only this worker's
  // reference): a preloaded libpercore_preload.so recognises it by its number.
  if (is_shared_listener(options.listen_mode)) return (*launch.shared_fds)[i];
  int fd = net::bind_reuseport(options.listen[i], 0);
  if (fd < 0) return fd;
  int rc = 0;
  if (options.listen_mode == ListenMode::kCpu) rc = net::set_incoming_cpu(fd, launch.core);
  if (rc == 0 && listen(fd, options.backlog) < 0) rc = -errno;
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

}  // namespace

int run_worker(const ServerOptions& options, const WorkerLaunch& launch, stats::WorkerSlot* slot) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != launch.master_pid) return 1;  // the master died before we could ask
  install_signal_handlers();

  std::string error;
  std::string name = "w" + std::to_string(launch.index);
  if (!log::init(options.log_file, options.debug, name, &error)) {
    report(launch.ready_fd, launch.index, 1, error);
    return 1;
  }
  if (int rc = proc::pin_to_cpu(launch.core); rc < 0) {
    report(launch.ready_fd, launch.index, -rc,
           "cannot pin worker to CPU " + std::to_string(launch.core) + ": " + strerror(-rc));
    return 1;
  }
  slot->pid.store(getpid(), std::memory_order_relaxed);
  slot->core.store(launch.core, std::memory_order_relaxed);
  slot->active.store(0, std::memory_order_relaxed);
  slot->starts.fetch_add(1, std::memory_order_relaxed);

  // TCP echo is judged on bulk streams; every other mode on many small requests.
  io::Traffic traffic =
      options.mode == ServerMode::kEcho ? io::Traffic::kStreams : io::Traffic::kRequests;
  std::unique_ptr<io::Backend> backend = io::make_backend(launch.backend, &error, traffic);
  if (!backend) {
    report(launch.ready_fd, launch.index, 1, error);
    return 1;
  }
  io::AcceptWake wake = options.listen_mode == ListenMode::kSharedExclusive
                            ? io::AcceptWake::kOne
                            : io::AcceptWake::kEvery;
  auto listeners = std::make_unique<Listeners>(*backend, wake);
  WorkerContext ctx;
  for (size_t i = 0; i < options.listen.size(); ++i) {
    const net::Address& addr = options.listen[i];
    if (is_udp_mode(options.mode)) {
      int fd = net::bind_udp_reuseport(addr);
      int rc = fd < 0 ? fd : net::set_udp_buffers(fd, options.rcvbuf, options.sndbuf);
      if (rc < 0) {
        if (fd >= 0) close(fd);
        report(launch.ready_fd, launch.index, -rc,
               "cannot bind UDP " + addr.to_string() + ": " + strerror(-rc));
        return 1;
      }
      ctx.datagram_fds.push_back(fd);
      continue;
    }
    int fd = open_listener(options, launch, i);
    if (fd < 0 || listeners->add(fd) < 0) {
      int err = fd < 0 ? -fd : EINVAL;
      report(launch.ready_fd, launch.index, err,
             "cannot listen on " + addr.to_string() + ": " + strerror(err));
      return 1;
    }
  }
  ctx.index = launch.index;
  ctx.core = launch.core;
  ctx.backend = backend.get();
  ctx.slot = slot;
  ctx.options = &options;
  std::unique_ptr<Mode> mode = options.sockmap ? make_sockmap_echo(ctx, &error) : make_mode(ctx);
  if (mode) error = mode->startup_error();
  if (!mode || !error.empty()) {
    report(launch.ready_fd, launch.index, 1, error);
    return 1;
  }
  report(launch.ready_fd, launch.index, 0, "");
  close(launch.ready_fd);
  spdlog::info("worker {} started: pid {}, cpu {}, {} backend, {} mode, {} listeners", launch.index,
               getpid(), launch.core, backend->name(), mode_name(options.mode),
               listen_mode_name(options.listen_mode));

  run_event_loop(*backend, *listeners, *mode, *slot, g_signals, options.drain_timeout_ms);

  mode.reset();
  listeners.reset();
  slot->active.store(0, std::memory_order_relaxed);
  spdlog::info("worker {} exits", launch.index);
  return 0;
}

}  // namespace percore::server
