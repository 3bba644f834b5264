#include "core/io/epoll_backend.h"

#include "core/io/iovec_cursor.h"

#include <errno.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "core/io/datagram_send.h"
#include "core/io/settle.h"
#include "core/io/udp_offload.h"

namespace percore::io {
namespace {

// Receive data of one wait() call is packed into this arena, so a turn with many readable
// sockets costs no allocation; sockets that find it full are served next turn.
constexpr size_t kArenaBytes = 2 << 20;
constexpr size_t kMaxRecvBytes = 64 << 10;
constexpr size_t kMinRecvBytes = 4 << 10;
constexpr int kMaxAcceptsPerTurn = 64;
constexpr int kMaxEvents = 512;
// Datagram receive: one wait() hands out at most kDgramSlots datagrams, each in a buffer large
// enough for the largest datagram or GRO run; recvmmsg takes up to kDgramBatch per call.
constexpr int kDgramSlots = 256;
constexpr size_t kDgramSlotBytes = 65536;
constexpr int kDgramBatch = 64;
constexpr size_t kDgramControlBytes = 64;
constexpr uint32_t kSendSlots = 1024;

enum class Kind : uint8_t { kNone, kListener, kStream, kConnecting, kDatagram };

struct Pending {
  int fd;  // -1: delivered whatever became of the fd (kClosed)
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
  SlotQueue dgram_queue;     // datagrams waiting for the next flush
  bool dgram_dirty = false;  // listed in dirty_
  uint32_t last_drops = 0;   // the socket's SO_RXQ_OVFL count last seen
};

// Receive buffers of one wait() for datagram sockets.
struct DgramArena {
  char* bytes = nullptr;
  mmsghdr hdrs[kDgramBatch];
  iovec iovs[kDgramSlots];
  PeerAddress peers[kDgramSlots];
  alignas(cmsghdr) char control[kDgramSlots][kDgramControlBytes];
  int used = 0;

  ~DgramArena() {
    if (bytes != nullptr) munmap(bytes, kDgramSlots * kDgramSlotBytes);
  }
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

  int open_datagram(int fd, uint64_t token) override {
    if (int rc = ensure_datagram_buffers(); rc < 0) return rc;
    if (int rc = prepare_datagram_socket(fd); rc < 0) return rc;
    FdState& s = state(fd);
    if (s.kind != Kind::kNone) return -EEXIST;
    s = FdState{};
    s.kind = Kind::kDatagram;
    s.token = token;
    s.active = true;
    s.readable = true;
    if (int rc = ensure_registered(fd, s); rc < 0) {
      s = FdState{};
      return rc;
    }
    enqueue(fd, s);
    return 0;
  }

  int send_datagrams(int fd, const OutDatagram* batch, int count) override {
    if (!valid(fd) || fds_[fd].kind != Kind::kDatagram) return -EBADF;
    FdState& s = fds_[fd];
    int taken = 0;
    for (; taken < count; ++taken) {
      if (!send_slots_.push(s.dgram_queue, fd, s.token, batch[taken], gso_)) break;
    }
    if (taken > 0 && !s.dgram_dirty) {
      s.dgram_dirty = true;
      dirty_.push_back(fd);
    }
    return taken;
  }

  DatagramStats datagram_stats() const override { return dgram_stats_; }

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
    if (s.iov == nullptr) {
      int rc = close(fd);
      return rc < 0 ? rc : 0;
    }
    s.close_when_sent = true;
    s.active = false;
    ++closing_;
    return kClosesLater;
  }

  void settle(int64_t timeout_us) override {
    wait_until_settled(*this, timeout_us, [this] { return closing_ > 0; });
  }

  int close(int fd) override {
    if (!valid(fd) || fds_[fd].kind == Kind::kNone) return -EBADF;
    if (send_slots_.ready()) send_slots_.release_all(fds_[fd].dgram_queue);
    if (fds_[fd].close_when_sent) --closing_;
    fds_[fd] = FdState{};
    return ::close(fd) < 0 ? -errno : 0;
  }

  int wait(Completion* out, int max, int64_t timeout_us) override {
    arena_used_ = 0;
    ++wait_seq_;
    out_ = out;
    out_max_ = max;
    out_n_ = 0;
    dgram_.used = 0;
    flush_datagrams();
    flush_pending();
    run_ready_list();
    // After the ready list (whose reads may have just drained a socket), before sleeping.
    register_wanted();
    if (out_n_ > 0 || !ready_.empty()) timeout_us = 0;
    int n = wait_events(timeout_us);
    if (dgram_.bytes != nullptr) ++dgram_stats_.syscalls;
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
      if (p.fd < 0) {
        out_[out_n_++] = p.c;
        continue;
      }
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
    if (s.kind == Kind::kDatagram) return;
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
      uint64_t token = s.token;
      close(fd);
      // Queued without its fd, which may be reused already: never taken for stale.
      push_completion(-1, Completion{token, Op::kClosed, result, nullptr});
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
      } else if (s.kind == Kind::kDatagram) {
        recv_datagrams(fd, s);
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

  int ensure_datagram_buffers() {
    if (dgram_.bytes != nullptr) return 0;
    void* mem = mmap(nullptr, kDgramSlots * kDgramSlotBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) return -errno;
    if (int rc = send_slots_.init(kSendSlots); rc < 0) {
      munmap(mem, kDgramSlots * kDgramSlotBytes);
      return rc;
    }
    dgram_.bytes = static_cast<char*>(mem);
    for (int i = 0; i < kDgramSlots; ++i) {
      dgram_.iovs[i].iov_base = dgram_.bytes + static_cast<size_t>(i) * kDgramSlotBytes;
      dgram_.iovs[i].iov_len = kDgramSlotBytes;
    }
    gso_ = udp_offload().gso;
    return 0;
  }

  // One recvmmsg per socket per turn: a full batch means more may wait, so the socket stays on
  // the ready list; a short one means it was drained and the next datagram raises an edge.
  void recv_datagrams(int fd, FdState& s) {
    if (!s.readable) return;
    int room = kDgramSlots - dgram_.used;
    if (room > kDgramBatch) room = kDgramBatch;
    if (room > out_max_ - out_n_) room = out_max_ - out_n_;
    if (room <= 0) {
      enqueue(fd, s);
      return;
    }
    int base = dgram_.used;
    for (int i = 0; i < room; ++i) {
      msghdr& m = dgram_.hdrs[i].msg_hdr;
      m.msg_name = &dgram_.peers[base + i].addr;
      m.msg_namelen = sizeof(PeerAddress::addr);
      m.msg_iov = &dgram_.iovs[base + i];
      m.msg_iovlen = 1;
      m.msg_control = dgram_.control[base + i];
      m.msg_controllen = kDgramControlBytes;
      m.msg_flags = 0;
    }
    int n;
    do {
      n = ::recvmmsg(fd, dgram_.hdrs, static_cast<unsigned>(room), MSG_DONTWAIT, nullptr);
      ++dgram_stats_.syscalls;
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN) {
        s.readable = false;
        return;
      }
      push(fd, Op::kRecvFrom, -errno);  // e.g. ECONNREFUSED on a connected socket
      enqueue(fd, s);
      return;
    }
    dgram_.used += n;
    for (int i = 0; i < n; ++i) {
      msghdr& m = dgram_.hdrs[i].msg_hdr;
      DatagramControl ctl;
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
        read_control_message(c, &ctl);
      }
      note_drops(s, ctl);
      if (ctl.segment != 0) ++dgram_stats_.gro_receives;
      PeerAddress& peer = dgram_.peers[base + i];
      peer.len = m.msg_namelen;
      Completion c{s.token, Op::kRecvFrom, static_cast<int32_t>(dgram_.hdrs[i].msg_len),
                   static_cast<const char*>(dgram_.iovs[base + i].iov_base)};
      c.peer = &peer;
      c.segment = ctl.segment;
      push_completion(fd, c);
    }
    if (n == room) {
      enqueue(fd, s);
    } else {
      s.readable = false;
    }
  }

  void note_drops(FdState& s, const DatagramControl& ctl) {
    if (!ctl.has_drops) return;
    dgram_stats_.kernel_drops += static_cast<uint32_t>(ctl.drops - s.last_drops);
    s.last_drops = ctl.drops;
  }

  void push_completion(int fd, const Completion& c) {
    if (out_ != nullptr && out_n_ < out_max_) {
      out_[out_n_++] = c;
    } else {
      pending_.push_back(Pending{fd, c});
    }
  }

  // Hands every queued datagram to the kernel: sendmmsg in batches, each entry a single datagram
  // or a GSO run. sendmmsg stops at the first entry that fails; that entry's error is reported
  // and the rest go out in the next call.
  void flush_datagrams() {
    for (int fd : dirty_) {
      FdState& s = fds_[fd];
      if (!s.dgram_dirty) continue;  // closed since
      s.dgram_dirty = false;
      while (!s.dgram_queue.empty()) flush_batch(fd, s);
    }
    dirty_.clear();
  }

  void flush_batch(int fd, FdState& s) {
    int32_t ids[kDgramBatch];
    int n = 0;
    while (n < kDgramBatch) {
      int32_t i = send_slots_.pop(s.dgram_queue);
      if (i < 0) break;
      ids[n] = i;
      send_hdrs_[n].msg_hdr = send_slots_.at(i).msg;
      send_hdrs_[n].msg_len = 0;
      ++n;
    }
    uint32_t sent = 0;
    for (int done = 0; done < n;) {
      int rc = ::sendmmsg(fd, send_hdrs_ + done, static_cast<unsigned>(n - done),
                          MSG_NOSIGNAL | MSG_DONTWAIT);
      ++dgram_stats_.syscalls;
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) {
        fail_slot(fd, s, send_slots_.at(ids[done]), rc < 0 ? errno : EIO);
        ++done;
        continue;
      }
      for (int k = done; k < done + rc; ++k) {
        const SendSlot& slot = send_slots_.at(ids[k]);
        sent += slot.count;
        if (slot.count > 1) ++dgram_stats_.gso_batches;
      }
      done += rc;
    }
    for (int k = 0; k < n; ++k) send_slots_.release(ids[k]);
    if (sent > 0) {
      dgram_stats_.datagrams_sent += sent;
      push_completion(fd, Completion{s.token, Op::kSendTo, static_cast<int32_t>(sent), nullptr});
    }
  }

  void fail_slot(int fd, FdState& s, const SendSlot& slot, int err) {
    if (err == EIO && slot.count > 1 && gso_) {
      // The route's device cannot segment: stop building GSO runs on this backend.
      gso_ = false;
      spdlog::warn("UDP GSO send failed with EIO; sending datagrams one by one from now on");
    }
    Completion c{s.token, Op::kSendTo, -err, nullptr};
    c.tag = slot.tag;
    c.count = slot.count;
    push_completion(fd, c);
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
  int closing_ = 0;  // sockets whose close_when_sent() send is still going out
  bool have_pwait2_ = true;
  epoll_event events_[kMaxEvents];
  DgramArena dgram_;
  SendSlots send_slots_;
  std::vector<int> dirty_;  // datagram sockets with queued sends
  mmsghdr send_hdrs_[kDgramBatch];
  DatagramStats dgram_stats_;
  bool gso_ = false;
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
