#include "core/io/epoll_backend.h"

#include "core/io/iovec_cursor.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace percore::io {
namespace {

// Receive data of one wait() call is packed into this arena, so a turn with many readable
// sockets costs no allocation; sockets that find it full are served next turn.
constexpr size_t kArenaBytes = 2 << 20;
constexpr size_t kMaxRecvBytes = 64 << 10;
constexpr size_t kMinRecvBytes = 4 << 10;
constexpr int kMaxAcceptsPerTurn = 64;
constexpr int kMaxEvents = 512;

enum class Kind : uint8_t { kNone, kListener, kStream, kConnecting };

struct Pending {
  int fd;
  Completion c;
};

struct FdState {
  uint64_t token = 0;
  Kind kind = Kind::kNone;
  bool registered = false;
  bool register_wanted = false;  // listed in to_register_
  bool close_when_sent = false;
  uint32_t delivered_in = 0;  // the last wait() that handed out a queued completion for it
  bool active = false;        // listener accepting, or stream receiving
  bool readable = false;      // an edge was seen and not yet drained
  bool writable = true;
  bool eof = false;      // EOF or error already delivered: no more kRecv
  bool hup = false;      // the peer shut down or an error is pending: read until EOF
  bool queued = false;   // in the ready list
  iovec* iov = nullptr;  // pending send
  int iovcnt = 0;
  int64_t sent = 0;
};

class EpollBackend final : public Backend {
 public:
  explicit EpollBackend(int epfd) : epfd_(epfd), arena_(kArenaBytes) {}
  ~EpollBackend() override {
    for (size_t fd = 0; fd < fds_.size(); ++fd) {
      if (fds_[fd].kind != Kind::kNone) ::close(static_cast<int>(fd));
    }
    ::close(epfd_);
  }

  const char* name() const override { return "epoll"; }

  int start_accept(int fd, uint64_t token, AcceptWake wake) override {
    FdState& s = state(fd);
    if (s.kind != Kind::kNone && s.kind != Kind::kListener) return -EINVAL;
    s.kind = Kind::kListener;
    s.token = token;
    s.active = true;
    // Connections may already wait in the queue; an edge for them was consumed before.
    s.readable = true;
    if (int rc = ensure_registered(fd, s, wake); rc < 0) return rc;
    enqueue(fd, s);
    return 0;
  }

  int stop_accept(int fd) override {
    if (!valid(fd) || fds_[fd].kind != Kind::kListener) return -EBADF;
    fds_[fd].active = false;
    return 0;
  }

  int open(int fd, uint64_t token) override {
    FdState& s = state(fd);
    s = FdState{};
    s.kind = Kind::kStream;
    s.token = token;
    s.active = true;
    // Registration waits until readiness is actually needed: a connection whose request is
    // already here is often answered and closed without ever costing an epoll_ctl.
    s.readable = true;
    enqueue(fd, s);
    return 0;
  }

  int connect(int fd, uint64_t token, const sockaddr* addr, socklen_t len) override {
    FdState& s = state(fd);
    s = FdState{};
    s.token = token;
    int rc = ::connect(fd, addr, len);
    if (rc < 0 && errno != EINPROGRESS) return -errno;
    s.kind = Kind::kConnecting;
    s.writable = false;
    if (int reg = ensure_registered(fd, s); reg < 0) {
      s = FdState{};  // all or nothing: the socket stays the caller's
      return reg;
    }
    if (rc == 0) finish_connect(fd, s, 0);
    return 0;
  }

  int pause_recv(int fd) override {
    if (!valid(fd) || fds_[fd].kind != Kind::kStream) return -EBADF;
    fds_[fd].active = false;
    return 0;
  }

  int resume_recv(int fd) override {
    if (!valid(fd) || fds_[fd].kind != Kind::kStream) return -EBADF;
    FdState& s = fds_[fd];
    s.active = true;
    if (s.readable) enqueue(fd, s);
    return 0;
  }

  int send(int fd, iovec* iov, int iovcnt) override {
    if (!valid(fd) || fds_[fd].kind != Kind::kStream) return -EBADF;
    FdState& s = fds_[fd];
    if (s.iov != nullptr) return -EBUSY;
    s.iov = iov;
    s.iovcnt = iovcnt;
    s.sent = 0;
    if (s.writable) try_send(fd, s);
    return 0;
  }

  int close_when_sent(int fd) override {
    if (!valid(fd) || fds_[fd].kind == Kind::kNone) return -EBADF;
    FdState& s = fds_[fd];
    if (s.iov == nullptr) return close(fd);
    s.close_when_sent = true;
    s.active = false;
    return 0;
  }

  int close(int fd) override {
    if (!valid(fd) || fds_[fd].kind == Kind::kNone) return -EBADF;
    fds_[fd] = FdState{};
    return ::close(fd) < 0 ? -errno : 0;
  }

  int wait(Completion* out, int max, int64_t timeout_us) override {
    arena_used_ = 0;
    ++wait_seq_;
    out_ = out;
    out_max_ = max;
    out_n_ = 0;
    flush_pending();
    run_ready_list();
    // After the ready list (whose reads may have just drained a socket), before sleeping.
    register_wanted();
    if (out_n_ > 0 || !ready_.empty()) timeout_us = 0;
    int n = wait_events(timeout_us);
    if (n < 0) {
      int err = errno;
      out_ = nullptr;
      return out_n_ > 0 ? out_n_ : -err;
    }
    for (int i = 0; i < n; ++i) on_event(events_[i].data.fd, events_[i].events);
    run_ready_list();
    // From here until the next wait(), completions found by eager sends go to pending_.
    out_ = nullptr;
    return out_n_;
  }

 private:
  // epoll_pwait2 (Linux 5.11) sleeps with microsecond precision; older kernels round up to ms.
  int wait_events(int64_t timeout_us) {
    if (timeout_us > 0 && have_pwait2_) {
      timespec ts{static_cast<time_t>(timeout_us / 1'000'000),
                  static_cast<long>(timeout_us % 1'000'000) * 1000};
      int n = epoll_pwait2(epfd_, events_, kMaxEvents, &ts, nullptr);
      if (n >= 0 || errno != ENOSYS) return n;
      have_pwait2_ = false;
    }
    int ms = timeout_us < 0 ? -1 : static_cast<int>((timeout_us + 999) / 1000);
    return epoll_wait(epfd_, events_, kMaxEvents, ms);
  }

  bool valid(int fd) const { return fd >= 0 && static_cast<size_t>(fd) < fds_.size(); }

  FdState& state(int fd) {
    if (static_cast<size_t>(fd) >= fds_.size()) fds_.resize(static_cast<size_t>(fd) * 2 + 64);
    return fds_[fd];
  }

  int ensure_registered(int fd, FdState& s, AcceptWake wake = AcceptWake::kEvery) {
    if (s.registered) return 0;
    epoll_event ev{};
    // EPOLLEXCLUSIVE admits only EPOLLIN/EPOLLOUT/EPOLLET/EPOLLWAKEUP beside it, and a listener
    // needs nothing but EPOLLIN. The registration is never modified later (EPOLL_CTL_MOD of an
    // exclusive registration fails with EINVAL); stop_accept() only clears `active`.
    ev.events = wake == AcceptWake::kOne ? EPOLLIN | EPOLLET | EPOLLEXCLUSIVE
                                         : EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.fd = fd;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0 && errno != EEXIST) return -errno;
    s.registered = true;
    return 0;
  }

  // Called when a stream runs out of data or send room: it now needs readiness events.
  void want_events(int fd, FdState& s) {
    if (s.registered || s.register_wanted) return;
    s.register_wanted = true;
    to_register_.push_back(fd);
  }

  // Adding a socket reports its current readiness (even edge-triggered), so nothing that
  // arrived between the drained read and this call is missed.
  // A socket whose queued completion (typically its last send) is being handed out now may be
  // closed by the protocol code in response: its registration waits one more turn.
  void register_wanted() {
    size_t keep = 0;
    for (int fd : to_register_) {
      FdState& s = fds_[fd];
      if (!s.register_wanted) continue;  // closed (and maybe reused) since
      if (s.delivered_in == wait_seq_) {
        to_register_[keep++] = fd;
        continue;
      }
      s.register_wanted = false;
      if (int rc = ensure_registered(fd, s); rc < 0 && s.kind == Kind::kStream && !s.eof) {
        s.eof = true;
        push(fd, Op::kRecv, rc);
      }
    }
    to_register_.resize(keep);
  }

  void enqueue(int fd, FdState& s) {
    if (s.queued) return;
    s.queued = true;
    ready_.push_back(fd);
  }

  // Completions found outside wait() (an eager send or connect) wait here for the next wait().
  void push(int fd, Op op, int32_t result, const char* data = nullptr) {
    Completion c{fds_[fd].token, op, result, data};
    if (out_ != nullptr && out_n_ < out_max_) {
      out_[out_n_++] = c;
    } else {
      pending_.push_back(Pending{fd, c});
    }
  }

  // Drops what was queued for a socket that has been closed (or closed and reused) since.
  void flush_pending() {
    size_t taken = 0;
    for (; taken < pending_.size() && out_n_ < out_max_; ++taken) {
      const Pending& p = pending_[taken];
      const FdState& s = fds_[p.fd];
      if (s.kind != Kind::kNone && s.token == p.c.token) {
        out_[out_n_++] = p.c;
        fds_[p.fd].delivered_in = wait_seq_;
      }
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(taken));
  }

  void on_event(int fd, uint32_t events) {
    if (!valid(fd)) return;
    FdState& s = fds_[fd];
    if (s.kind == Kind::kNone) return;
    if (s.kind == Kind::kConnecting) {
      if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
      int err = 0;
      socklen_t len = sizeof(err);
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      finish_connect(fd, s, err);
      if (err != 0 || (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) == 0) return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      s.readable = true;
      if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) s.hup = true;
      if (s.active) enqueue(fd, s);
    }
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
      s.writable = true;
      if (s.iov != nullptr) try_send(fd, s);
    }
  }

  void finish_connect(int fd, FdState& s, int err) {
    if (err != 0) {
      s.kind = Kind::kStream;
      s.eof = true;
      push(fd, Op::kConnect, -err);
      return;
    }
    s.kind = Kind::kStream;
    s.writable = true;
    s.active = true;
    s.readable = true;
    push(fd, Op::kConnect, 0);
    enqueue(fd, s);
  }

  void try_send(int fd, FdState& s) {
    while (s.iovcnt > 0) {
      msghdr msg{};
      msg.msg_iov = s.iov;
      msg.msg_iovlen = static_cast<size_t>(s.iovcnt < IOV_MAX ? s.iovcnt : IOV_MAX);
      ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          s.writable = false;
          want_events(fd, s);
          return;
        }
        complete_send(fd, s, -errno);
        return;
      }
      s.sent += n;
      advance_iovecs(&s.iov, &s.iovcnt, static_cast<size_t>(n));
    }
    complete_send(fd, s, static_cast<int32_t>(s.sent));
  }

  void complete_send(int fd, FdState& s, int32_t result) {
    s.iov = nullptr;
    s.iovcnt = 0;
    if (s.close_when_sent) {
      close(fd);
      return;
    }
    push(fd, Op::kSend, result);
  }

  // Serves sockets that are known to have work, each for a bounded amount per turn so one busy
  // stream cannot starve the rest.
  void run_ready_list() {
    size_t count = ready_.size();
    for (size_t i = 0; i < count && out_n_ < out_max_; ++i) {
      int fd = ready_[i];
      FdState& s = fds_[fd];
      s.queued = false;
      if (s.kind == Kind::kListener) {
        accept_some(fd, s);
      } else if (s.kind == Kind::kStream) {
        recv_once(fd, s);
      }
      ready_[i] = -1;
    }
    // Keep what was not reached or was re-queued (the latter were appended past `count`).
    size_t keep = 0;
    for (size_t i = 0; i < ready_.size(); ++i) {
      if (ready_[i] < 0) continue;
      int fd = ready_[i];
      if (i < count && !fds_[fd].queued) continue;
      ready_[keep++] = fd;
    }
    ready_.resize(keep);
  }

  void accept_some(int fd, FdState& s) {
    for (int i = 0; i < kMaxAcceptsPerTurn && s.active && out_n_ < out_max_; ++i) {
      int cfd = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (cfd >= 0) {
        push(fd, Op::kAccept, cfd);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        s.readable = false;
        return;
      }
      if (errno == ECONNABORTED || errno == EPROTO) continue;
      push(fd, Op::kAccept, -errno);
      break;
    }
    if (s.active) enqueue(fd, s);
  }

  void recv_once(int fd, FdState& s) {
    if (!s.active || s.eof || !s.readable) return;
    size_t room = arena_.size() - arena_used_;
    if (room < kMinRecvBytes) {
      enqueue(fd, s);
      return;
    }
    size_t want = room < kMaxRecvBytes ? room : kMaxRecvBytes;
    char* buf = arena_.data() + arena_used_;
    ssize_t n;
    do {
      n = ::recv(fd, buf, want, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN) {
        s.readable = false;
        want_events(fd, s);
        return;
      }
      s.eof = true;
      push(fd, Op::kRecv, -errno);
      return;
    }
    if (n == 0) {
      s.eof = true;
      push(fd, Op::kRecv, 0);
      return;
    }
    arena_used_ += static_cast<size_t>(n);
    push(fd, Op::kRecv, static_cast<int32_t>(n), buf);
    // A short read means the socket is very likely drained; the next arrival raises a new edge.
    // Not so once the peer's FIN (or an error) was seen: its edge may have come with the data
    // just read, and no further edge will announce the EOF.
    if (static_cast<size_t>(n) < want && !s.hup) {
      s.readable = false;
      want_events(fd, s);
    } else {
      enqueue(fd, s);
    }
  }

  int epfd_;
  std::vector<FdState> fds_;
  std::vector<int> ready_;
  std::vector<int> to_register_;
  uint32_t wait_seq_ = 0;
  std::vector<Pending> pending_;
  std::vector<char> arena_;
  size_t arena_used_ = 0;
  Completion* out_ = nullptr;
  int out_max_ = 0;
  int out_n_ = 0;
  bool have_pwait2_ = true;
  epoll_event events_[kMaxEvents];
};

}  // namespace

std::unique_ptr<Backend> make_epoll_backend(std::string* error) {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    *error = std::string("epoll_create1: ") + strerror(errno);
    return nullptr;
  }
  return std::make_unique<EpollBackend>(epfd);
}

}  // namespace percore::io
