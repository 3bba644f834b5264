#include "server/sockmap/sockmap_echo.h"

// linux/tcp.h, not netinet/tcp.h: glibc's tcp_info lacks the byte counters.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/net/socket.h"
#include "core/util/clock.h"
#include "server/sockmap_mode.h"

namespace percore::server {

std::string sockmap_unavailable_reason() {
  return sockmap::unavailable_reason();
}

std::unique_ptr<Mode> make_sockmap_echo(WorkerContext& ctx, std::string* error) {
  std::unique_ptr<sockmap::EchoProgram> program = sockmap::EchoProgram::load(error);
  if (!program) return nullptr;
  int hangup_fd = epoll_create1(EPOLL_CLOEXEC);
  if (hangup_fd < 0) {
    *error = std::string("epoll_create1: ") + strerror(errno);
    return nullptr;
  }
  spdlog::info("worker {}: in-kernel echo attached ({})", ctx.index, program->attach_kind());
  return std::make_unique<sockmap::SockmapEcho>(ctx, std::move(program), hangup_fd);
}

namespace sockmap {
namespace {

// TCP states as tcpi_state reports them (include/net/tcp_states.h).
constexpr uint8_t kTcpEstablished = 1;
constexpr uint8_t kTcpCloseWait = 8;

struct Totals {
  bool alive = false;
  uint64_t from_peer = 0;  // data bytes the peer sent us
  uint64_t echoed = 0;     // data bytes the peer has acknowledged
};

Totals totals_of(int fd) {
  Totals t;
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return t;
  t.alive = info.tcpi_state == kTcpEstablished || info.tcpi_state == kTcpCloseWait;
  // bytes_received counts the peer's FIN as one byte once it has arrived (CLOSE_WAIT).
  t.from_peer = info.tcpi_bytes_received;
  if (info.tcpi_state == kTcpCloseWait && t.from_peer > 0) --t.from_peer;
  t.echoed = info.tcpi_bytes_acked;
  return t;
}

}  // namespace

SockmapEcho::SockmapEcho(WorkerContext& ctx, std::unique_ptr<EchoProgram> program, int hangup_fd)
    : stats_(*ctx.slot),
      program_(std::move(program)),
      linger_ns_(int64_t{ctx.options->idle_timeout_ms} * util::kNsPerMs),
      hangup_fd_(hangup_fd) {}

SockmapEcho::~SockmapEcho() {
  close_all();
  ::close(hangup_fd_);
}

void SockmapEcho::on_accept(int fd, int64_t) {
  if (draining_) {
    ::close(fd);
    return;
  }
  net::set_nodelay(fd);
  Conn* c = conns_.acquire();
  c->fd = fd;
  c->give_up_ns = 0;
  stats_.add(stats::kAccepted);
  stats_.add_active(1);
  int rc = sock_key_of(fd, &c->key);
  if (rc == 0) rc = program_->insert(fd, c->key);
  if (rc < 0) {
    // E2BIG: this worker's map is full (65536 connections); anything else is unexpected.
    spdlog::warn("sockmap: cannot put a connection into the map: {}", strerror(-rc));
    ::close(fd);
    c->fd = -1;
    stats_.add(stats::kIoErrors);
    close_conn(c);
    return;
  }
  // Edge-triggered: one report when the peer half-closes, another if it then resets.
  epoll_event ev{};
  ev.events = EPOLLRDHUP | EPOLLET;
  ev.data.u64 = util::Slab<Conn>::token(c);
  if (epoll_ctl(hangup_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    stats_.add(stats::kIoErrors);
    close_conn(c);
  }
}

// The sockets are never the backend's, so no completion is ever ours.
void SockmapEcho::on_completion(const io::Completion&, int64_t) {}

void SockmapEcho::poll_hangups(int64_t now_ns) {
  next_hangup_poll_ns_ = now_ns + kHangupPollNs;
  epoll_event events[256];
  int n;
  do {
    n = epoll_wait(hangup_fd_, events, 256, 0);
    for (int i = 0; i < n; ++i) {
      Conn* c = conns_.lookup(events[i].data.u64);
      if (c == nullptr) continue;
      if (events[i].events & (EPOLLHUP | EPOLLERR)) {
        close_conn(c);  // reset, or both directions closed: nothing more can be delivered
      } else if (!c->linked()) {
        // The client may have only half-closed and still be reading its echo: closing now
        // would drop what the kernel has not sent yet.
        finish_when_flushed(c, now_ns);
      }
    }
  } while (n == 256);
}

bool SockmapEcho::echo_done(Conn* c) {
  Totals t = totals_of(c->fd);
  return !t.alive || t.echoed >= t.from_peer;
}

void SockmapEcho::finish_when_flushed(Conn* c, int64_t now_ns) {
  if (echo_done(c)) {
    close_conn(c);
    return;
  }
  if (c->give_up_ns == 0) c->give_up_ns = now_ns + linger_ns_;
  flush_checks_.arm(c, now_ns);
}

void SockmapEcho::close_conn(Conn* c) {
  util::DeadlineList::cancel(c);
  if (c->fd >= 0) {
    // The worker never sees the bytes, so it counts them from TCP's own totals.
    Totals t = totals_of(c->fd);
    stats_.add(stats::kBytesIn, t.from_peer);
    stats_.add(stats::kBytesOut, t.echoed);
    // Closing a socket takes it out of every sockmap; removing first keeps the map's view and
    // the descriptor table in step even if the close is deferred by the backend.
    program_->remove(c->key);
    ::close(c->fd);  // also leaves the epoll set
  }
  c->fd = -1;
  stats_.add(stats::kClosed);
  stats_.add_active(-1);
  conns_.release(c);
}

int64_t SockmapEcho::next_deadline_ns() const {
  int64_t next = flush_checks_.next_deadline();
  if (conns_.live() > 0) next = std::min({next, next_sweep_ns_, next_hangup_poll_ns_});
  return next;
}

void SockmapEcho::sweep(int64_t now_ns) {
  next_sweep_ns_ = now_ns + kSweepNs;
  conns_.for_each_live([this](Conn* c) {
    Totals t = totals_of(c->fd);
    if (!t.alive || t.from_peer < t.echoed + kMaxUnechoedBytes) return;
    spdlog::debug("sockmap: resetting a connection that does not read its echo ({} bytes queued)",
                  t.from_peer - t.echoed);
    linger reset{1, 0};  // RST: the queued echo can never be delivered
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    stats_.add(stats::kTimeouts);
    close_conn(c);
  });
}

void SockmapEcho::on_timer(int64_t now_ns) {
  if (now_ns >= next_hangup_poll_ns_) poll_hangups(now_ns);
  if (now_ns >= next_sweep_ns_) sweep(now_ns);
  while (util::DeadlineLink* link = flush_checks_.pop_expired(now_ns)) {
    Conn* c = static_cast<Conn*>(link);
    if (echo_done(c)) {
      close_conn(c);
    } else if (now_ns >= c->give_up_ns) {
      stats_.add(stats::kTimeouts);
      close_conn(c);
    } else {
      flush_checks_.arm(c, now_ns);
    }
  }
}

// No request boundaries in a byte stream: connections whose echo is out close now, the others
// once it is (or the idle timeout passes).
void SockmapEcho::begin_drain(int64_t now_ns) {
  draining_ = true;
  conns_.for_each_live([this, now_ns](Conn* c) {
    if (!c->linked()) finish_when_flushed(c, now_ns);
  });
}

void SockmapEcho::close_all() {
  conns_.for_each_live([this](Conn* c) { close_conn(c); });
}

}  // namespace sockmap
}  // namespace percore::server
