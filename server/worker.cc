#include "server/worker.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/proc/affinity.h"
#include "server/event_loop.h"
#include "server/mode.h"
#include "server/worker_platform.h"

namespace percore::server {
namespace {

// The worker's socket for options.listen[i], handed to the loop (connections) or kept for the
// mode (datagrams). Returns false after reporting why it could not.
bool take_socket(const ServerOptions& options, const WorkerLaunch& launch, Transport transport,
                 size_t i, Listeners& listeners, WorkerContext& ctx) {
  const net::Address& addr = options.listen[i];
  int fd = launch.sockets.empty() ? platform::open_worker_socket(options, transport, i, launch.core)
                                  : launch.sockets[i];
  if (transport == Transport::kDatagram) {
    if (fd >= 0) {
      ctx.datagram_fds.push_back(fd);
      return true;
    }
    launch.report_ready(-fd, "cannot bind UDP " + addr.to_string() + ": " + strerror(-fd));
    return false;
  }
  if (fd >= 0 && listeners.add(fd) >= 0) return true;
  int err = fd < 0 ? -fd : EINVAL;
  launch.report_ready(err, "cannot listen on " + addr.to_string() + ": " + strerror(err));
  return false;
}

}  // namespace

int run_worker(const ServerOptions& options, const WorkerLaunch& launch, stats::WorkerSlot* slot) {
  if (int rc = proc::pin_to_cpu(launch.core); rc < 0) {
    launch.report_ready(
        -rc, "cannot pin worker to CPU " + std::to_string(launch.core) + ": " + strerror(-rc));
    return 1;
  }
  slot->pid.store(platform::worker_id(), std::memory_order_relaxed);
  slot->core.store(launch.core, std::memory_order_relaxed);
  slot->active.store(0, std::memory_order_relaxed);
  slot->starts.fetch_add(1, std::memory_order_relaxed);

  const ModeRow& row = mode_row(options);
  std::string error;
  std::unique_ptr<io::Backend> backend = io::make_backend(launch.backend, &error, row.traffic);
  if (!backend) {
    launch.report_ready(1, error);
    return 1;
  }
  io::AcceptWake wake = options.listen_mode == ListenMode::kSharedExclusive
                            ? io::AcceptWake::kOne
                            : io::AcceptWake::kEvery;
  auto listeners = std::make_unique<Listeners>(*backend, wake);
  WorkerContext ctx;
  for (size_t i = 0; i < options.listen.size(); ++i) {
    if (!take_socket(options, launch, row.transport, i, *listeners, ctx)) return 1;
  }
  ctx.index = launch.index;
  ctx.core = launch.core;
  ctx.backend = backend.get();
  ctx.slot = slot;
  ctx.options = &options;
  std::unique_ptr<Mode> mode = row.make(ctx, &error);
  if (mode) error = mode->startup_error();
  if (!mode || !error.empty()) {
    launch.report_ready(1, error);
    return 1;
  }
  launch.report_ready(0, "");
  spdlog::info("worker {} started: {} {}, cpu {}, {} backend, {} mode, {} listeners", launch.index,
               platform::worker_id_kind(), platform::worker_id(), launch.core, backend->name(),
               row.name, listen_mode_name(options.listen_mode));

  run_event_loop(*backend, *listeners, *mode, *slot, *launch.signals, options.drain_timeout_ms);

  mode.reset();
  listeners.reset();
  slot->active.store(0, std::memory_order_relaxed);
  spdlog::info("worker {} exits", launch.index);
  return 0;
}

}  // namespace percore::server
