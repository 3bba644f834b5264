// Windows: there is no fork, so the server is one process with one pinned worker thread per
// core (as seed 000 runs its IOCP echo server). Each thread has its own completion port (its
// backend), its own mode and its own statistics slot; the listening sockets are opened once here
// and shared (Windows has no SO_REUSEPORT; the IOCP backend hands each accepted connection to the
// next accepting worker). Datagram modes bind one socket per worker (SO_REUSEADDR, SIO_CPU_AFFINITY
// where the system has it). Ctrl-C / Ctrl-Break / console close start the same bounded drain as
// SIGTERM on Linux. The threads run the same worker body as Linux's processes (worker.h). Not
// here (yet): worker restarts, -v lines and --metrics.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <windows.h>

#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/io/factory.h"
#include "core/log/logging.h"
#include "core/net/socket.h"
#include "core/net/winsock.h"
#include "core/proc/affinity.h"
#include "server/event_loop.h"
#include "server/master.h"
#include "server/worker.h"

namespace percore::server {
namespace {

LoopSignals g_signals;

BOOL WINAPI on_console_event(DWORD) {
  g_signals.drain = 1;
  return TRUE;
}

struct Startup {
  std::mutex mu;
  std::condition_variable cv;
  int ready = 0;
  int failed = 0;
  std::string first_error;

  void report(const std::string& error) {
    std::lock_guard<std::mutex> lock(mu);
    if (error.empty()) {
      ++ready;
    } else {
      ++failed;
      if (first_error.empty()) first_error = error;
    }
    cv.notify_all();
  }
};

int fail(const std::string& message) {
  fmt::print(stderr, "server: {}\n", message);
  spdlog::error("{}", message);
  return 1;
}

}  // namespace

int run_master(ServerOptions o) {
  std::string error;
  if (!log::init(o.log_file, o.debug, "server", &error)) {
    fmt::print(stderr, "server: {}\n", error);
    return 1;
  }
  if (o.metrics) return fail("--metrics is not built on Windows yet");
  if (int rc = net::ensure_winsock(); rc != 0) return fail(fmt::format("WSAStartup: {}", rc));
  SetConsoleCtrlHandler(on_console_event, TRUE);

  std::string note;
  io::BackendKind backend = io::resolve_backend_kind(o.io, &note, &error);
  if (!error.empty()) return fail(error);
  // No SO_REUSEPORT here: one listener per address, opened below, is shared by every worker.
  o.listen_mode = ListenMode::kShared;
  bool datagrams = mode_row(o).transport == Transport::kDatagram;

  Startup startup;
  std::vector<int> allowed = proc::allowed_cpus();
  std::vector<WorkerLaunch> launches(static_cast<size_t>(o.workers));
  for (int i = 0; i < o.workers; ++i) {
    bool wrapped = false;
    WorkerLaunch& launch = launches[i];
    launch.index = i;
    launch.core = proc::core_for_worker(allowed, o.start_core, i, &wrapped);
    launch.backend = backend;
    launch.signals = &g_signals;
    launch.report_ready = [&startup](int error, const std::string& text) {
      startup.report(error == 0 || !text.empty() ? text : "a worker failed to start");
    };
  }
  // Every address is bound here, once: errors surface in one place and port 0 becomes the real
  // port every worker uses. A datagram socket is one per worker (SO_REUSEADDR), a listener one
  // for all.
  std::vector<int> listeners;
  for (net::Address& addr : o.listen) {
    if (datagrams) {
      for (WorkerLaunch& launch : launches) {
        int fd = net::bind_udp_reuseport(addr);
        int rc = fd < 0 ? fd : net::set_udp_buffers(fd, o.rcvbuf, o.sndbuf);
        if (rc < 0) return fail(fmt::format("cannot bind UDP {}: {}", addr.to_string(), -rc));
        net::set_cpu_affinity(fd, launch.core);  // best effort: absent under Wine and old Windows
        net::Address bound;
        if (net::local_address(fd, &bound)) addr.set_port(bound.port());
        launch.sockets.push_back(fd);
      }
      continue;
    }
    int fd = net::bind_exclusive(addr, o.backlog);
    if (fd < 0) return fail(fmt::format("cannot listen on {}: error {}", addr.to_string(), -fd));
    net::Address bound;
    if (net::local_address(fd, &bound)) addr.set_port(bound.port());
    listeners.push_back(fd);
    for (WorkerLaunch& launch : launches) launch.sockets.push_back(fd);
  }

  std::unique_ptr<stats::WorkerSlots> slots(stats::WorkerSlots::create(o.workers));
  std::vector<std::thread> threads;
  for (WorkerLaunch& launch : launches) {
    threads.emplace_back(
        [&o, &launch, slot = &slots->slot(launch.index)] { run_worker(o, launch, slot); });
  }
  {
    std::unique_lock<std::mutex> lock(startup.mu);
    startup.cv.wait(lock, [&] { return startup.ready + startup.failed == o.workers; });
  }
  int rc = 0;
  if (startup.failed > 0) {
    fail(startup.first_error);
    g_signals.drain = 1;
    rc = 1;
  } else {
    for (const net::Address& addr : o.listen) {
      fmt::print("percore: ready {} {} workers={} io={} listen-mode={}\n", mode_row(o).name,
                 addr.to_string(), o.workers, io_name(o, backend), listen_mode_name(o.listen_mode));
    }
    fflush(stdout);
    spdlog::info("ready: {} worker threads", o.workers);
  }
  for (std::thread& t : threads) t.join();
  for (int fd : listeners) net::close_socket(fd);
  stats::Totals totals = slots->total();
  spdlog::info("stopped: {} accepted, {} requests", totals.counters[stats::kAccepted],
               totals.counters[stats::kRequests]);
  return rc;
}

}  // namespace percore::server
