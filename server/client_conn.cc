#include "server/client_conn.h"

#include <errno.h>
#include "core/net/sys.h"

#include "core/util/clock.h"

namespace percore::server {
namespace {

constexpr int64_t kLingerNs = 2 * util::kNsPerSec;
constexpr int64_t kDrainGraceNs = 1 * util::kNsPerSec;

}  // namespace

ClientLifecycle::ClientLifecycle(io::Backend& backend, stats::WorkerSlot& stats,
                                 const ServerOptions& options)
    : backend_(backend),
      stats_(stats),
      header_timers_(int64_t{options.header_timeout_ms} * util::kNsPerMs),
      idle_timers_(int64_t{options.idle_timeout_ms} * util::kNsPerMs),
      linger_timers_(kLingerNs),
      drain_grace_timers_(kDrainGraceNs) {}

void ClientLifecycle::accept(ClientSocket* c, int fd, int64_t now_ns) {
  c->fd = fd;
  c->out.clear(&backend_);
  c->close_after = c->unread_input = c->peer_closed = c->recv_paused = c->closing = false;
  stats_.add(stats::kAccepted);
  stats_.add_active(1);
  set_phase(c, ClientPhase::kWaiting, now_ns);
}

bool ClientLifecycle::open(ClientSocket* c, uint64_t token) {
  if (io::open_or_close(backend_, c->fd, token) >= 0) return true;
  stats_.add(stats::kIoErrors);
  c->fd = -1;
  return false;
}

void ClientLifecycle::on_recv_end(ClientSocket* c, int result) {
  if (result < 0 && result != -ECONNRESET) stats_.add(stats::kIoErrors);
  c->peer_closed = true;
}

bool ClientLifecycle::take_input(ClientSocket* c, size_t len) {
  stats_.add(stats::kBytesIn, len);
  if (!c->close_after) return true;
  c->unread_input = true;
  return false;
}

bool ClientLifecycle::on_sent(ClientSocket* c, int result) {
  c->out.finish_send(&backend_);
  if (result < 0) {
    if (result != -EPIPE && result != -ECONNRESET) stats_.add(stats::kIoErrors);
    return false;
  }
  stats_.add(stats::kBytesOut, static_cast<uint64_t>(result));
  return true;
}

int ClientLifecycle::flush(ClientSocket* c) {
  int rc = c->out.flush(backend_, c->fd);
  if (rc < 0) {
    stats_.add(stats::kIoErrors);
    c->out.finish_send(&backend_);
  }
  return rc;
}

void ClientLifecycle::set_phase(ClientSocket* c, ClientPhase phase, int64_t now_ns) {
  c->phase = phase;
  switch (phase) {
    case ClientPhase::kWaiting:
    case ClientPhase::kIdle:
      idle_timers_.arm(c, now_ns);
      break;
    case ClientPhase::kHeaders:
    case ClientPhase::kBody:
      header_timers_.arm(c, now_ns);
      break;
    case ClientPhase::kLinger:
      linger_timers_.arm(c, now_ns);
      break;
    case ClientPhase::kModeTimer:
      util::DeadlineList::cancel(c);
      break;
  }
}

bool ClientLifecycle::start_linger(ClientSocket* c, int64_t now_ns) {
  if (!c->unread_input || c->peer_closed) return false;
  shutdown(c->fd, SHUT_WR);
  set_recv_paused(c, false);
  set_phase(c, ClientPhase::kLinger, now_ns);
  return true;
}

bool ClientLifecycle::expired_in_request(ClientSocket* c) {
  if (c->phase != ClientPhase::kLinger) stats_.add(stats::kTimeouts);
  bool in_request = c->phase == ClientPhase::kHeaders || c->phase == ClientPhase::kBody;
  return in_request && !c->out.in_flight() && !c->out.has_pending();
}

void ClientLifecycle::drain_if_quiet(ClientSocket* c, int64_t now_ns) {
  if (c->closing || c->out.in_flight() || c->out.has_pending()) return;
  drain_grace_timers_.arm(c, now_ns);  // not closed at once: see drain_grace_timers()
}

// Only for answers that hold no lent receive buffer (the HTTP server's): forget() gives lent
// buffers back at once, and the linked send may read them later.
bool ClientLifecycle::close_when_sent(ClientSocket* c) {
  stats_.add(stats::kBytesOut, c->out.in_flight_bytes());
  c->closing = backend_.close_when_sent(c->fd) == io::Backend::kClosesLater;
  forget(c);
  return c->closing;
}

void ClientLifecycle::close(ClientSocket* c) {
  if (c->fd >= 0) backend_.close(c->fd);
  forget(c);
}

void ClientLifecycle::forget(ClientSocket* c) {
  util::DeadlineList::cancel(c);
  c->fd = -1;
  if (!c->closing) c->out.clear(&backend_);
  stats_.add(stats::kClosed);
  stats_.add_active(-1);
}

int64_t ClientLifecycle::next_deadline() const {
  int64_t next = header_timers_.next_deadline();
  if (idle_timers_.next_deadline() < next) next = idle_timers_.next_deadline();
  if (linger_timers_.next_deadline() < next) next = linger_timers_.next_deadline();
  if (drain_grace_timers_.next_deadline() < next) next = drain_grace_timers_.next_deadline();
  return next;
}

}  // namespace percore::server
