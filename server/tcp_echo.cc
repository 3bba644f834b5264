#include "server/tcp_echo.h"

#include <unistd.h>

#include "core/net/socket.h"
#include "core/util/clock.h"
#include "server/client_conn.h"

namespace percore::server {

TcpEcho::TcpEcho(WorkerContext& ctx)
    : backend_(*ctx.backend),
      stats_(*ctx.slot),
      idle_timers_(int64_t{ctx.options->idle_timeout_ms} * util::kNsPerMs) {}

TcpEcho::~TcpEcho() {
  close_all();
}

void TcpEcho::on_accept(int fd, int64_t now_ns) {
  if (draining_) {
    ::close(fd);  // never handed to the backend, so not its to close
    return;
  }
  net::set_nodelay(fd);
  Conn* c = conns_.acquire();
  c->fd = fd;
  c->out.clear(&backend_);
  c->recv_paused = c->peer_closed = false;
  stats_.add(stats::kAccepted);
  stats_.add_active(1);
  idle_timers_.arm(c, now_ns);
  if (io::open_or_close(backend_, fd, util::Slab<Conn>::token(c)) < 0) {
    stats_.add(stats::kIoErrors);
    c->fd = -1;
    close_conn(c);
  }
}

void TcpEcho::on_completion(const io::Completion& comp, int64_t now_ns) {
  Conn* c = conns_.lookup(comp.token);
  if (c == nullptr) return;
  if (comp.op == io::Op::kRecv) {
    on_recv(c, comp, now_ns);
  } else if (comp.op == io::Op::kSend) {
    on_sent(c, comp.result);
  }
}

void TcpEcho::on_recv(Conn* c, const io::Completion& comp, int64_t now_ns) {
  if (comp.result <= 0) {
    if (comp.result < 0 && comp.result != -ECONNRESET) stats_.add(stats::kIoErrors);
    c->peer_closed = true;
    // After EOF the client may still read: finish echoing what it sent, then close.
    if (comp.result == 0 && (c->out.in_flight() || c->out.has_pending())) return;
    close_conn(c);
    return;
  }
  stats_.add(stats::kBytesIn, static_cast<uint64_t>(comp.result));
  idle_timers_.arm(c, now_ns);
  // Large receives are sent straight out of the backend's receive buffer when it lends it
  // (io_uring): the echo copies nothing. Small ones are cheaper to copy than to pin a buffer for.
  std::string_view bytes(comp.data, static_cast<size_t>(comp.result));
  if (bytes.size() >= kLendMinBytes && backend_.lend(comp)) {
    c->out.append_lent(bytes);
  } else {
    c->out.append_copy(bytes);
  }
  flush(c);
  if (c->out.pending_bytes() > kMaxPendingBytes)
    set_recv_paused(backend_, c->fd, &c->recv_paused, true);
}

void TcpEcho::flush(Conn* c) {
  if (c->out.flush(backend_, c->fd) < 0) {
    stats_.add(stats::kIoErrors);
    close_conn(c);
  }
}

void TcpEcho::on_sent(Conn* c, int result) {
  c->out.finish_send(&backend_);
  if (result < 0) {
    if (result != -EPIPE && result != -ECONNRESET) stats_.add(stats::kIoErrors);
    close_conn(c);
    return;
  }
  stats_.add(stats::kBytesOut, static_cast<uint64_t>(result));
  flush(c);
  if (!c->out.in_flight() && (c->peer_closed || draining_)) {
    close_conn(c);
    return;
  }
  if (c->out.pending_bytes() <= kMaxPendingBytes / 2) {
    set_recv_paused(backend_, c->fd, &c->recv_paused, false);
  }
}

void TcpEcho::close_conn(Conn* c) {
  util::DeadlineList::cancel(c);
  if (c->fd >= 0) backend_.close(c->fd);
  c->fd = -1;
  c->out.clear(&backend_);
  stats_.add(stats::kClosed);
  stats_.add_active(-1);
  conns_.release(c);
}

void TcpEcho::on_timer(int64_t now_ns) {
  while (util::DeadlineLink* link = idle_timers_.pop_expired(now_ns)) {
    stats_.add(stats::kTimeouts);
    close_conn(static_cast<Conn*>(link));
  }
}

// An echo stream has no request boundary to finish at: idle connections close now, the others
// once what they sent has been echoed.
void TcpEcho::begin_drain(int64_t) {
  draining_ = true;
  conns_.for_each_live([this](Conn* c) {
    if (!c->out.in_flight() && !c->out.has_pending()) close_conn(c);
  });
}

void TcpEcho::close_all() {
  conns_.for_each_live([this](Conn* c) { close_conn(c); });
}

}  // namespace percore::server
