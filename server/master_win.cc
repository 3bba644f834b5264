// Windows: there is no fork, so the server is one process with one pinned worker thread per
// core (as seed 000 runs its IOCP echo server). Each thread has its own completion port (its
// backend), its own mode and its own statistics slot; the listening sockets are opened once here
// and shared (Windows has no SO_REUSEPORT; the IOCP backend hands each accepted connection to the
// next accepting worker). UDP modes bind one socket per worker (SO_REUSEADDR, SIO_CPU_AFFINITY
// where the system has it). Ctrl-C / Ctrl-Break / console close start the same bounded drain as
// SIGTERM on Linux. Not here (yet): worker restarts, -v lines and --metrics.
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
#include "server/mode.h"

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

struct WorkerPlan {
  int index;
  int core;
  std::vector<int> datagram_fds;  // UDP modes: this worker's sockets
};

void run_worker_thread(const ServerOptions& o, WorkerPlan plan, const std::vector<int>& listeners,
                       stats::WorkerSlot* slot, Startup* startup) {
  if (int rc = proc::pin_to_cpu(plan.core); rc < 0) {
    startup->report(fmt::format("cannot pin worker {} to CPU {}", plan.index, plan.core));
    return;
  }
  slot->pid.store(static_cast<int32_t>(GetCurrentThreadId()), std::memory_order_relaxed);
  slot->core.store(plan.core, std::memory_order_relaxed);
  slot->starts.fetch_add(1, std::memory_order_relaxed);
  std::string error;
  std::unique_ptr<io::Backend> backend = io::make_backend(io::BackendKind::kIocp, &error);
  if (!backend) {
    startup->report(error);
    return;
  }
  auto accept = std::make_unique<Listeners>(*backend, io::AcceptWake::kEvery);
  for (size_t i = 0; i < listeners.size(); ++i) {
    if (int rc = accept->add(listeners[i]); rc < 0) {
      startup->report(fmt::format("cannot accept on {}: {}", o.listen[i].to_string(), -rc));
      return;
    }
  }
  WorkerContext ctx;
  ctx.index = plan.index;
  ctx.core = plan.core;
  ctx.backend = backend.get();
  ctx.slot = slot;
  ctx.options = &o;
  ctx.datagram_fds = plan.datagram_fds;
  std::unique_ptr<Mode> mode = make_mode(ctx);
  spdlog::info("worker {} started: thread {}, cpu {}, {} backend, {} mode", plan.index,
               GetCurrentThreadId(), plan.core, backend->name(), mode_name(o.mode));
  startup->report("");
  run_event_loop(*backend, *accept, *mode, *slot, g_signals, o.drain_timeout_ms);
  mode.reset();
  accept.reset();
  slot->active.store(0, std::memory_order_relaxed);
  spdlog::info("worker {} exits", plan.index);
}

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

  std::vector<int> allowed = proc::allowed_cpus();
  std::vector<WorkerPlan> plans;
  for (int i = 0; i < o.workers; ++i) {
    bool wrapped = false;
    plans.push_back({i, proc::core_for_worker(allowed, o.start_core, i, &wrapped), {}});
  }
  // Every address is bound here, once: errors surface in one place and port 0 becomes the real
  // port every worker uses.
  std::vector<int> listeners;
  for (net::Address& addr : o.listen) {
    if (is_udp_mode(o.mode)) {
      for (WorkerPlan& plan : plans) {
        int fd = net::bind_udp_reuseport(addr);
        int rc = fd < 0 ? fd : net::set_udp_buffers(fd, o.rcvbuf, o.sndbuf);
        if (rc < 0) return fail(fmt::format("cannot bind UDP {}: {}", addr.to_string(), -rc));
        net::set_cpu_affinity(fd, plan.core);  // best effort: absent under Wine and old Windows
        net::Address bound;
        if (net::local_address(fd, &bound)) addr.set_port(bound.port());
        plan.datagram_fds.push_back(fd);
      }
      continue;
    }
    int fd = net::bind_exclusive(addr, o.backlog);
    if (fd < 0) return fail(fmt::format("cannot listen on {}: error {}", addr.to_string(), -fd));
    net::Address bound;
    if (net::local_address(fd, &bound)) addr.set_port(bound.port());
    listeners.push_back(fd);
  }

  std::unique_ptr<stats::WorkerSlots> slots(stats::WorkerSlots::create(o.workers));
  Startup startup;
  std::vector<std::thread> threads;
  for (WorkerPlan& plan : plans) {
    threads.emplace_back(run_worker_thread, std::cref(o), plan, std::cref(listeners),
                         &slots->slot(plan.index), &startup);
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
      fmt::print("percore: ready {} {} workers={} io=iocp listen-mode=shared\n", mode_name(o.mode),
                 addr.to_string(), o.workers);
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
