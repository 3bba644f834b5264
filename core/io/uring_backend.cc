// io_uring event-loop backend: one ring per worker, multishot accept and multishot receive into a
// provided-buffer ring (kernel 6.0+), SINGLE_ISSUER|DEFER_TASKRUN when the kernel has them (6.1+).
#include "core/io/uring_backend.h"

#include "core/io/iovec_cursor.h"

#include <errno.h>
#include <liburing.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/io/buffer_ring.h"
#include "core/io/datagram_send.h"
#include "core/io/settle.h"
#include "core/io/token_map.h"
#include "core/io/udp_offload.h"
#include "core/io/uring_facts.h"

#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif
// Receive bundles: kernel 6.10 (liburing 2.3's headers predate them).
#ifndef IORING_FEAT_RECVSEND_BUNDLE
#define IORING_FEAT_RECVSEND_BUNDLE (1U << 14)
#endif
#ifndef IORING_RECVSEND_BUNDLE
#define IORING_RECVSEND_BUNDLE (1U << 4)
#endif

namespace percore::io {
namespace {

constexpr uint16_t kBufferGroup = 0;
// Datagram sockets receive into their own group of buffers, each large enough for the largest
// datagram or GRO run plus the io_uring_recvmsg_out header, the sender and the control messages.
constexpr uint16_t kDgramGroup = 1;
constexpr uint32_t kDgramBuffers = 512;
constexpr uint32_t kDgramControlBytes = 64;
constexpr uint32_t kDgramBufferBytes =
    65536 + sizeof(io_uring_recvmsg_out) + sizeof(PeerAddress) + kDgramControlBytes;
constexpr uint32_t kSendSlots = 1024;
constexpr int kFdChunkBits = 8;
constexpr int kFdChunk = 1 << kFdChunkBits;
constexpr uint32_t kRecvPerSocketPerWait = 4;
constexpr int64_t kCancelWaitUs = 200'000;

// user_data: the operation in the top 8 bits, the socket's token in the low kTokenBits.
// For kSendTo the low bits hold the send slot's index instead of a token.
// kClosingSend: a send hard-linked to its socket's close (link_close), counted in closing_.
enum class Ud : uint8_t {
  kNone,
  kAccept,
  kRecv,
  kSend,
  kConnect,
  kCancel,
  kRecvFrom,
  kSendTo,
  kClosingSend
};

uint64_t pack(Ud op, uint64_t token) {
  return (uint64_t{static_cast<uint8_t>(op)} << kTokenBits) | (token & kTokenMask);
}

enum class Kind : uint8_t { kNone, kListener, kStream, kConnecting, kDatagram };

struct FdState {
  uint64_t token = 0;
  Kind kind = Kind::kNone;
  bool active = true;      // listener accepting, stream not paused
  bool armed = false;      // the multishot accept or receive is in flight
  bool recv_done = false;  // EOF or an error was delivered: no more kRecv
  bool starved = false;    // receive ended with ENOBUFS; listed in starved_
  bool send_busy = false;
  bool close_when_sent = false;  // close once the send in flight is done, deliver nothing
  unsigned send_sqe = 0;         // the SQ index of the latest send's SQE (linked close)
  uint32_t held = 0;             // completions of this socket parked in pending_
  uint32_t quota_wait = 0;       // the wait() that quota_used counts for
  uint32_t quota_used = 0;       // kRecv delivered to this socket in that wait()
  iovec* iov = nullptr;
  int iovcnt = 0;
  int64_t sent = 0;
  msghdr msg{};
  sockaddr_storage addr{};
  msghdr rmsg{};  // the multishot recvmsg's layout: name and control sizes
  SlotQueue dgram_queue;
  bool dgram_dirty = false;  // listed in dirty_
  uint32_t last_drops = 0;   // the socket's SO_RXQ_OVFL count last seen
  uint32_t lent = 0;         // receive buffers of this socket lent out (Backend::lend)
  // Bytes of a paused socket moved out of their receive buffers when another socket found the
  // ring empty, so that stalled connections cannot hold it from the others; one parked marker
  // stands for them.
  std::deque<std::vector<char>> stash;
  bool stash_parked = false;
  bool capped = false;  // the receive was cancelled for holding its share (no receive limit)
};

// A completion that waits in the backend: found outside wait(), or held back while the socket's
// receive (or the listener's accept) is paused. `bid` is the receive buffer it pins, or -1.
struct Pending {
  int fd;
  int32_t bid;
  Completion c;
  bool stash = false;  // delivers the socket's stash (FdState::stash), not a buffer
};

struct Starved {
  int fd;
  uint64_t token;
};

int64_t now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

class UringBackend final : public Backend {
 public:
  UringBackend() = default;
  ~UringBackend() override;

  int init(const UringOptions& options, std::string* error);

  const char* name() const override { return "uring"; }

  // `wake` is not needed: io_uring arms accept's internal poll exclusively on its own.
  int start_accept(int fd, uint64_t token, AcceptWake /*wake*/) override {
    FdState* s = slot(fd);
    if (s == nullptr) return -EBADF;
    if (s->kind == Kind::kNone) {
      if (int rc = claim(fd, s, Kind::kListener, token); rc < 0) return rc;
    } else if (s->kind != Kind::kListener || s->token != token) {
      return -EINVAL;
    }
    s->active = true;
    // If a cancel from stop_accept() is still on its way, its completion re-arms.
    return s->armed ? 0 : arm_accept(fd, *s);
  }

  int stop_accept(int fd) override {
    FdState* s = live(fd);
    if (s == nullptr || s->kind != Kind::kListener) return -EBADF;
    if (s->active && s->armed) cancel(pack(Ud::kAccept, s->token));
    s->active = false;
    return 0;
  }

  int open(int fd, uint64_t token) override {
    FdState* s = slot(fd);
    if (s == nullptr) return -EBADF;
    if (s->kind != Kind::kNone) return -EEXIST;
    if (int rc = claim(fd, s, Kind::kStream, token); rc < 0) return rc;
    if (int rc = arm_recv(fd, *s); rc < 0) {
      // All or nothing: a socket open() failed on stays the caller's, so forget it entirely.
      tokens_.erase(token);
      *s = FdState{};
      return rc;
    }
    return 0;
  }

  int connect(int fd, uint64_t token, const sockaddr* addr, socklen_t len) override {
    if (len > sizeof(sockaddr_storage)) return -EINVAL;
    FdState* s = slot(fd);
    if (s == nullptr) return -EBADF;
    if (s->kind != Kind::kNone) return -EEXIST;
    io_uring_sqe* sqe = get_sqe();
    if (sqe == nullptr) return -EAGAIN;
    if (int rc = claim(fd, s, Kind::kConnecting, token); rc < 0) {
      io_uring_prep_nop(sqe);
      io_uring_sqe_set_data64(sqe, pack(Ud::kNone, 0));
      return rc;
    }
    // The kernel may read the address only when the SQE is submitted: keep a copy.
    std::memcpy(&s->addr, addr, len);
    io_uring_prep_connect(sqe, fd, reinterpret_cast<sockaddr*>(&s->addr), len);
    io_uring_sqe_set_data64(sqe, pack(Ud::kConnect, token));
    return 0;
  }

  int pause_recv(int fd) override {
    FdState* s = live(fd);
    if (s == nullptr || s->kind == Kind::kListener) return -EBADF;
    if (s->active && s->armed) cancel(pack(Ud::kRecv, s->token));
    s->active = false;
    return 0;
  }

  int resume_recv(int fd) override {
    FdState* s = live(fd);
    if (s == nullptr || s->kind == Kind::kListener) return -EBADF;
    s->active = true;
    // Held completions go out on the next wait(), before anything the new receive brings.
    if (s->kind == Kind::kStream && !s->armed && !s->recv_done && !s->starved) {
      return arm_recv(fd, *s);
    }
    return 0;
  }

  int send(int fd, iovec* iov, int iovcnt) override {
    FdState* s = live(fd);
    if (s == nullptr || s->kind == Kind::kListener) return -EBADF;
    if (s->kind != Kind::kStream) return -ENOTCONN;
    if (s->send_busy) return -EBUSY;
    if (iovcnt < 0) return -EINVAL;
    s->iov = iov;
    s->iovcnt = iovcnt;
    s->sent = 0;
    skip_empty(*s);
    if (s->iovcnt == 0) {
      park(fd, -1, Completion{s->token, Op::kSend, 0, nullptr}, *s);
      return 0;
    }
    s->send_busy = true;
    int rc = submit_send(fd, *s);
    if (rc < 0) s->send_busy = false;
    return rc;
  }

  int close_when_sent(int fd) override {
    FdState* s = live(fd);
    if (s == nullptr) return -EBADF;
    if (!s->send_busy) {
      int rc = close(fd);
      return rc < 0 ? rc : 0;
    }
    ++closing_;
    if (link_close(fd, *s)) return kClosesLater;
    s->close_when_sent = true;
    s->active = false;
    return kClosesLater;
  }

  void settle(int64_t timeout_us) override {
    wait_until_settled(*this, timeout_us, [this] { return closing_ > 0; });
    if (closing_ == 0) return;
    // A client that does not read holds its answer in the kernel: cancel what is left, so that
    // nothing reads the caller's memory once it is freed. The linked sends carry their sockets'
    // tokens, which nothing here lists: the loop is over, so everything in flight goes.
    if (io_uring_sqe* sqe = get_sqe(); sqe != nullptr) {
      io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
      io_uring_sqe_set_data64(sqe, pack(Ud::kCancel, 0));
    }
    for (size_t c = 0; c < chunks_.size(); ++c) {
      for (int i = 0; chunks_[c] != nullptr && i < kFdChunk; ++i) {
        if (chunks_[c][i].close_when_sent) close(static_cast<int>(c) * kFdChunk + i);
      }
    }
    wait_until_settled(*this, kCancelWaitUs, [this] { return closing_ > 0; });
  }

  int close(int fd) override {
    FdState* s = live(fd);
    if (s == nullptr) return -EBADF;
    tokens_.erase(s->token);
    if (send_slots_.ready()) send_slots_.release_all(s->dgram_queue);
    if (s->close_when_sent) --closing_;
    if (s->armed || s->send_busy || s->kind == Kind::kConnecting) {
      // Cancel by fd must reach the kernel while the fd still names this socket: submit now.
      if (io_uring_sqe* sqe = get_sqe(); sqe != nullptr) {
        io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(sqe, pack(Ud::kCancel, 0));
      }
      submit_now();
    }
    // Parked completions are dropped (and their buffers recycled) by the next drain.
    *s = FdState{};
    s->kind = Kind::kNone;
    return ::close(fd) < 0 ? -errno : 0;
  }

  int open_datagram(int fd, uint64_t token) override {
    if (int rc = ensure_datagram_buffers(); rc < 0) return rc;
    if (int rc = prepare_datagram_socket(fd); rc < 0) return rc;
    FdState* s = slot(fd);
    if (s == nullptr) return -EBADF;
    if (s->kind != Kind::kNone) return -EEXIST;
    if (int rc = claim(fd, s, Kind::kDatagram, token); rc < 0) return rc;
    return arm_recvmsg(fd, *s);
  }

  int send_datagrams(int fd, const OutDatagram* batch, int count) override {
    FdState* s = live(fd);
    if (s == nullptr || s->kind != Kind::kDatagram) return -EBADF;
    int taken = 0;
    for (; taken < count; ++taken) {
      if (!send_slots_.push(s->dgram_queue, fd, s->token, batch[taken], gso_)) break;
    }
    if (taken > 0 && !s->dgram_dirty) {
      s->dgram_dirty = true;
      dirty_.push_back(fd);
    }
    return taken;
  }

  DatagramStats datagram_stats() const override { return dgram_stats_; }

  bool lend(const Completion& c) override {
    if (!lend_ || c.op != Op::kRecv || c.result <= 0) return false;
    uint32_t bid = bufs_.holder(c.data);
    if (bid >= bufs_.count() || lent_[bid] != kHanded) return false;
    FdState* s = live(tokens_.find(c.token));
    if (s == nullptr || s->token != c.token) return false;
    // A lent buffer waits for the peer to read its echo, which a stalled reader never does. So
    // each socket may hold only a few, and all of them together half the ring: the other half
    // always stays free to receive into, however many readers stall.
    if (s->lent >= lend_per_socket_ || lent_count_ >= bufs_.count() / 2) return false;
    lent_[bid] = kHandedLent;
    lent_token_[bid] = c.token;
    ++lent_count_;
    ++s->lent;
    return true;
  }

  void lend_end(const char* data) override {
    uint32_t bid = bufs_.holder(data);
    if (bid >= bufs_.count()) return;
    if (lent_[bid] == kHandedLent) {
      lent_[bid] = kHanded;  // still in handed_: the next wait() recycles it
    } else if (lent_[bid] == kLent) {
      lent_[bid] = kFree;
      bufs_.give_back(bid);
    } else {
      return;
    }
    --lent_count_;
    FdState* s = live(tokens_.find(lent_token_[bid]));
    if (s != nullptr && s->token == lent_token_[bid] && s->lent > 0) --s->lent;
  }

  int wait(Completion* out, int max, int64_t timeout_us) override;

 private:
  FdState* find(int fd) {
    if (fd < 0) return nullptr;
    size_t chunk = static_cast<size_t>(fd) >> kFdChunkBits;
    if (chunk >= chunks_.size() || chunks_[chunk] == nullptr) return nullptr;
    return &chunks_[chunk][fd & (kFdChunk - 1)];
  }
  FdState* live(int fd) {
    FdState* s = find(fd);
    return s != nullptr && s->kind != Kind::kNone ? s : nullptr;
  }
  // Chunks never move, so the kernel may keep pointers into an FdState (msghdr, address).
  FdState* slot(int fd) {
    if (fd < 0) return nullptr;
    size_t chunk = static_cast<size_t>(fd) >> kFdChunkBits;
    if (chunk >= chunks_.size()) chunks_.resize(chunk + 1);
    if (chunks_[chunk] == nullptr) chunks_[chunk] = std::make_unique<FdState[]>(kFdChunk);
    return &chunks_[chunk][fd & (kFdChunk - 1)];
  }
  int claim(int fd, FdState* s, Kind kind, uint64_t token) {
    if ((token & ~kTokenMask) != 0) return -EINVAL;
    if (!tokens_.insert(token, fd)) return -EEXIST;
    *s = FdState{};
    s->kind = kind;
    s->token = token;
    return 0;
  }

  io_uring_sqe* get_sqe();
  unsigned flush_sq();
  int enter(unsigned to_submit, unsigned min_complete, int64_t wait_us);
  void submit_now() { enter_raw(flush_sq(), 0, 0, nullptr, 0); }
  int enter_raw(unsigned to_submit, unsigned min_complete, unsigned flags, void* arg, size_t sz);

  int ensure_datagram_buffers();
  int arm_recvmsg(int fd, FdState& s);
  void flush_datagrams();
  int on_recvfrom(int fd, FdState& s, int32_t res, bool more, int32_t bid, Completion* out);
  int on_sendto(const io_uring_cqe& cqe, Completion* out);
  int arm_accept(int fd, FdState& s);
  int arm_recv(int fd, FdState& s);
  // Re-arms a receive the limit ended, once what it brought was all delivered.
  void rearm_when_delivered(int fd, FdState& s) {
    if (s.kind == Kind::kStream && s.active && !s.armed && !s.recv_done && !s.starved &&
        s.held == 0 && !s.close_when_sent) {
      arm_recv(fd, s);
    }
  }
  // Another socket found the ring empty and fewer than a quarter of the buffers are free: paused
  // sockets give theirs up. Not before: a stalled reader alone keeps its bytes where they are,
  // at no cost in memory.
  bool ring_short() const {
    return !starved_.empty() && bufs_.out() > bufs_.count() - bufs_.count() / 4;
  }
  // poll_first: wait until the socket is writable before trying (after an EAGAIN).
  int submit_send(int fd, FdState& s, bool poll_first = false);
  bool link_close(int fd, FdState& s);
  void hand(uint32_t bid) {
    handed_.push_back(static_cast<uint16_t>(bid));
    lent_[bid] = kHanded;
  }
  void cancel(uint64_t user_data);
  static void skip_empty(FdState& s);
  static void advance(FdState& s, size_t n);

  // A multishot receive can fill many buffers for one busy socket at once. Delivering at most a
  // few per socket per wait() keeps one stream from starving the others and bounds what protocol
  // code must absorb before its pause_recv() takes effect; the rest waits, in order, in pending_.
  bool over_quota(FdState& s) {
    if (s.quota_wait != wait_seq_) {
      s.quota_wait = wait_seq_;
      s.quota_used = 0;
    }
    return s.quota_used >= kRecvPerSocketPerWait;
  }

  void park(int fd, int32_t bid, const Completion& c, FdState& s) {
    pending_.push_back(Pending{fd, bid, c});
    ++s.held;
  }
  // Moves received bytes out of buffer `bid` into the socket's stash and recycles the buffer.
  // Returns true when the caller must park the stash's marker: none stands for the stash yet.
  bool stash(FdState& s, const char* data, int32_t len, uint32_t bid) {
    s.stash.emplace_back(data, data + len);
    bufs_.give_back(bid);
    if (s.stash_parked) return false;
    s.stash_parked = true;
    return true;
  }
  static Pending stash_marker(int fd, const FdState& s) {
    Pending p{fd, -1, Completion{s.token, Op::kRecv, 0, nullptr}};
    p.stash = true;
    return p;
  }
  void discard(const Pending& p);
  // Buffers a receive of `res` bytes took, starting with `bid`: several for a bundle.
  uint32_t buffers_taken(Ud op, int32_t res) const {
    if (op != Ud::kRecv || res <= 0) return 1;
    return (static_cast<uint32_t>(res) + bufs_.buffer_size() - 1) / bufs_.buffer_size();
  }
  void give_back_received(BufferRing& ring, Ud op, int32_t res, uint32_t bid) {
    for (uint32_t i = 0, n = buffers_taken(op, res); i < n; ++i) {
      ring.give_back(ring.bundle_member(bid, i));
    }
  }
  int drain(Completion* out, int room);
  int reap(Completion* out, int room);
  int handle(const io_uring_cqe& cqe, Completion* out, int room);
  int on_accept(int fd, FdState& s, int32_t res, bool more, Completion* out);
  int on_recv(int fd, FdState& s, int32_t res, bool more, int32_t bid, Completion* out, int room);
  int on_send(int fd, FdState& s, int32_t res, Completion* out);
  int on_connect(int fd, FdState& s, int32_t res, Completion* out);
  void rearm_starved();

  io_uring ring_{};
  bool ring_ok_ = false;
  BufferRing bufs_;
  TokenMap tokens_;
  std::vector<std::unique_ptr<FdState[]>> chunks_;
  std::vector<Pending> pending_;
  std::vector<uint16_t> handed_;  // buffers in completions of the last wait()
  // Where each receive buffer is, as far as lending goes: in the ring (or parked), handed out by
  // the last wait(), handed out and lent by it, or lent since an earlier wait().
  enum LendState : uint8_t { kFree, kHanded, kHandedLent, kLent };
  std::vector<uint8_t> lent_;
  std::vector<uint64_t> lent_token_;  // the socket each lent buffer came from
  uint32_t lent_count_ = 0;
  uint32_t lend_per_socket_ = 0;
  uint32_t share_ = 0;  // receive buffers one socket may hold (parked) or have lent
  // The bytes one arming of a socket's multishot receive may take before it ends
  // (IORING_RECV_MSHOT_LIM, kernel 6.18), 0 where the kernel lacks the limit: with it, what the
  // backend holds of one socket is bounded, and the rest waits in the kernel's socket buffer
  // where TCP's flow control applies.
  uint32_t recv_limit_ = 0;
  // Stashes delivered by the last wait(): their bytes stay valid until the next one.
  std::vector<std::vector<char>> spent_stashes_;
  bool lend_ = false;
  bool bundle_ = false;
  bool link_close_ = false;
  std::vector<Starved> starved_;
  uint64_t inflight_ = 0;  // SQEs whose final CQE has not been seen
  int closing_ = 0;        // close_when_sent() sends not completed yet
  uint32_t wait_seq_ = 0;
  // Datagram sockets, set up by the first open_datagram().
  BufferRing dbufs_;
  bool dgram_ready_ = false;
  std::vector<uint16_t> dhanded_;
  std::vector<Starved> dstarved_;
  SendSlots send_slots_;
  std::vector<int> dirty_;  // datagram sockets with queued sends
  DatagramStats dgram_stats_;
  bool gso_ = false;
};

int UringBackend::init(const UringOptions& options, std::string* error) {
  const unsigned kFlagTries[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                                 IORING_SETUP_COOP_TASKRUN, 0};
  int rc = -EINVAL;
  unsigned features = 0;
  for (unsigned flags : kFlagTries) {
    io_uring_params p;
    std::memset(&p, 0, sizeof(p));
    p.flags = flags | IORING_SETUP_CQSIZE;
    p.cq_entries = options.cq_entries;
    rc = io_uring_queue_init_params(options.sq_entries, &ring_, &p);
    features = p.features;
    if (rc != -EINVAL) break;  // only an unknown flag is worth another try
  }
  if (rc < 0) {
    *error = std::string("io_uring_queue_init: ") + strerror(-rc);
    return rc;
  }
  ring_ok_ = true;
  if ((features & IORING_FEAT_EXT_ARG) == 0) {
    *error = "io_uring: kernel lacks IORING_FEAT_EXT_ARG (needs 5.11+)";
    return -ENOSYS;
  }
  rc = bufs_.init(&ring_, kBufferGroup, options.buffer_count, options.buffer_size);
  if (rc < 0) {
    *error = std::string("io_uring buffer ring: ") + strerror(-rc);
    return rc;
  }
  // Each technique only where this kernel has it; without, the older way does the same job.
  lend_ = options.lend;
  bundle_ = options.bundle && (features & IORING_FEAT_RECVSEND_BUNDLE) != 0;
  if (options.link_close) {
    // IORING_OP_CLOSE (5.6) and IOSQE_IO_HARDLINK (5.5) predate multishot receive (6.0), which
    // this backend needs anyway; asked of the kernel all the same, as the probe is cheap.
    if (io_uring_probe* probe = io_uring_get_probe_ring(&ring_); probe != nullptr) {
      link_close_ = io_uring_opcode_supported(probe, IORING_OP_CLOSE) != 0;
      io_uring_free_probe(probe);
    }
  }
  lent_.assign(options.buffer_count, kFree);
  lent_token_.assign(options.buffer_count, 0);
  const uint32_t share =
      std::min(options.buffer_count / 4, std::max(4u, options.buffer_count / 32));
  lend_per_socket_ = share_ = share;
  if (options.recv_limit) {
    std::string why = probe_recv_limit(&ring_, bufs_.group(), [this](uint32_t bid) {
      if (!bufs_.owns(bid)) return;
      bufs_.taken();
      bufs_.give_back(bid);
    });
    bufs_.publish();
    if (why.empty()) recv_limit_ = share * options.buffer_size;
  }
  spdlog::debug(
      "io_uring: {} receive buffers of {} bytes, lend {}, bundle {}, link-close {}, receive "
      "limit {} bytes",
      options.buffer_count, options.buffer_size, lend_ ? "on" : "off", bundle_ ? "on" : "off",
      link_close_ ? "on" : "off", recv_limit_);
  pending_.reserve(options.buffer_count + 256);
  handed_.reserve(options.buffer_count);
  starved_.reserve(1024);
  return 0;
}

UringBackend::~UringBackend() {
  if (!ring_ok_) return;
  // Cancel everything, close the sockets, then wait until the kernel has let go of every
  // request (and so of the receive buffers) before freeing the buffer memory.
  if (io_uring_sqe* sqe = get_sqe(); sqe != nullptr) {
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    io_uring_sqe_set_data64(sqe, pack(Ud::kCancel, 0));
  }
  for (size_t c = 0; c < chunks_.size(); ++c) {
    if (chunks_[c] == nullptr) continue;
    for (int i = 0; i < kFdChunk; ++i) {
      if (chunks_[c][i].kind != Kind::kNone) ::close(static_cast<int>(c) * kFdChunk + i);
      chunks_[c][i].kind = Kind::kNone;
    }
  }
  for (const Pending& p : pending_) discard(p);
  pending_.clear();
  for (uint16_t bid : dhanded_) dbufs_.give_back(bid);
  dhanded_.clear();
  for (int round = 0; round < 200 && inflight_ > 0; ++round) {
    enter(flush_sq(), 1, 10);
    io_uring_cqe* cqe;
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      if ((cqe->flags & IORING_CQE_F_MORE) == 0) --inflight_;
      if ((cqe->user_data >> kTokenBits) == static_cast<uint8_t>(Ud::kAccept) && cqe->res >= 0) {
        ::close(cqe->res);
      }
      io_uring_cqe_seen(&ring_, cqe);
    }
  }
  bufs_.destroy();
  dbufs_.destroy();
  io_uring_queue_exit(&ring_);
}

io_uring_sqe* UringBackend::get_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    submit_now();
    sqe = io_uring_get_sqe(&ring_);
  }
  if (sqe != nullptr) ++inflight_;
  return sqe;
}

// Publishes prepared SQEs to the kernel (what liburing's internal flush does, without SQPOLL).
unsigned UringBackend::flush_sq() {
  io_uring_sq& sq = ring_.sq;
  if (sq.sqe_head != sq.sqe_tail) {
    sq.sqe_head = sq.sqe_tail;
    io_uring_smp_store_release(sq.ktail, sq.sqe_tail);
  }
  return sq.sqe_tail - io_uring_smp_load_acquire(sq.khead);
}

int UringBackend::enter_raw(unsigned to_submit, unsigned min_complete, unsigned flags, void* arg,
                            size_t sz) {
  if (to_submit == 0 && flags == 0) return 0;
  if (dgram_ready_) ++dgram_stats_.syscalls;
  long rc = syscall(__NR_io_uring_enter, ring_.ring_fd, to_submit, min_complete, flags, arg, sz);
  return rc < 0 ? -errno : static_cast<int>(rc);
}

// Submits and reaps; waits for one completion up to wait_us (-1: forever) if min_complete > 0.
// GETEVENTS is always set: with DEFER_TASKRUN that is what lets completions be posted.
int UringBackend::enter(unsigned to_submit, unsigned min_complete, int64_t wait_us) {
  if (min_complete == 0 || wait_us < 0) {
    return enter_raw(to_submit, min_complete, IORING_ENTER_GETEVENTS, nullptr, _NSIG / 8);
  }
  __kernel_timespec ts{};
  ts.tv_sec = wait_us / 1'000'000;
  ts.tv_nsec = static_cast<long long>(wait_us % 1'000'000) * 1000;
  io_uring_getevents_arg arg{};
  arg.ts = reinterpret_cast<uint64_t>(&ts);
  return enter_raw(to_submit, min_complete, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg,
                   sizeof(arg));
}

int UringBackend::arm_accept(int fd, FdState& s) {
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return -EAGAIN;
  io_uring_prep_multishot_accept(sqe, fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, pack(Ud::kAccept, s.token));
  s.armed = true;
  return 0;
}

int UringBackend::arm_recv(int fd, FdState& s) {
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return -EAGAIN;
  io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
  // A bundle fills as many buffers as the socket has bytes for, in one completion.
  if (bundle_) sqe->ioprio |= IORING_RECVSEND_BUNDLE;
  sqe->file_index = recv_limit_;  // the multishot's total (sqe->optlen in newer headers)
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = bufs_.group();
  io_uring_sqe_set_data64(sqe, pack(Ud::kRecv, s.token));
  s.armed = true;
  s.capped = false;
  return 0;
}

int UringBackend::submit_send(int fd, FdState& s, bool poll_first) {
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return -EAGAIN;
  if (s.iovcnt == 1) {
    io_uring_prep_send(sqe, fd, s.iov->iov_base, s.iov->iov_len, MSG_NOSIGNAL);
  } else {
    s.msg = msghdr{};
    s.msg.msg_iov = s.iov;
    s.msg.msg_iovlen = static_cast<size_t>(s.iovcnt < IOV_MAX ? s.iovcnt : IOV_MAX);
    io_uring_prep_sendmsg(sqe, fd, &s.msg, MSG_NOSIGNAL);
  }
  if (poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
  io_uring_sqe_set_data64(sqe, pack(Ud::kSend, s.token));
  s.send_sqe = ring_.sq.sqe_tail - 1;
  return 0;
}

// Answer-then-close in the submission that carries the answer: the send's SQE, not yet handed to
// the kernel, is hard-linked to a close of the socket (which runs whether the send worked or
// not), and the multishot receive is cancelled so that nothing holds the socket open. The kernel
// then sends and closes in the wait() that submits them, with no cancel-and-close system calls of
// ours. Returns false when the send already went to the kernel (or the kernel lacks the ops):
// close_when_sent() then closes on the send's completion.
bool UringBackend::link_close(int fd, FdState& s) {
  io_uring_sq& sq = ring_.sq;
  // Not when the send went to the kernel already, nor when the close and the cancel would not
  // fit without a submit in between (which would cut the link).
  if (!link_close_ || static_cast<int>(s.send_sqe - sq.sqe_head) < 0 ||
      io_uring_sq_space_left(&ring_) < 2) {
    return false;
  }
  io_uring_sqe* send = &sq.sqes[s.send_sqe & sq.ring_mask];
  send->flags |= IOSQE_IO_HARDLINK;
  // Its completion is the caller's kClosed (and ends the wait of settle()).
  send->user_data = pack(Ud::kClosingSend, s.token);
  // The close must follow the whole answer: a short send keeps sending instead of completing.
  send->msg_flags |= MSG_WAITALL;
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_close(sqe, fd);
  io_uring_sqe_set_data64(sqe, pack(Ud::kNone, 0));
  if (s.armed) cancel(pack(Ud::kRecv, s.token));
  tokens_.erase(s.token);
  // The fd stays allocated until the kernel's close, so no new socket takes over this slot
  // before then; completions of the old token are filtered out. The msghdr stays: the kernel
  // reads it when the wait() submits the send.
  msghdr msg = s.msg;
  s = FdState{};
  s.msg = msg;
  return true;
}

void UringBackend::cancel(uint64_t user_data) {
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return;
  io_uring_prep_cancel64(sqe, user_data, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, pack(Ud::kCancel, 0));
}

void UringBackend::skip_empty(FdState& s) {
  while (s.iovcnt > 0 && s.iov->iov_len == 0) {
    ++s.iov;
    --s.iovcnt;
  }
}

void UringBackend::advance(FdState& s, size_t n) {
  advance_iovecs(&s.iov, &s.iovcnt, n);
  skip_empty(s);
}

int UringBackend::wait(Completion* out, int max, int64_t timeout_us) {
  if (max <= 0) return -EINVAL;
  ++wait_seq_;
  for (uint16_t bid : handed_) {
    if (lent_[bid] == kHandedLent) {
      lent_[bid] = kLent;
    } else {
      lent_[bid] = kFree;
      bufs_.give_back(bid);
    }
  }
  handed_.clear();
  spent_stashes_.clear();
  if (dgram_ready_) {
    for (uint16_t bid : dhanded_) dbufs_.give_back(bid);
    dhanded_.clear();
    dbufs_.publish();
    flush_datagrams();
  }
  const int64_t deadline = timeout_us > 0 ? now_us() + timeout_us : 0;
  int n = 0;
  for (;;) {
    bufs_.publish();
    rearm_starved();
    n += drain(out + n, max - n);
    int64_t wait_us = timeout_us;
    if (timeout_us > 0) {
      // One clock read: a second one may land past the deadline and turn the remainder negative,
      // which enter() takes as "wait forever".
      int64_t left = deadline - now_us();
      wait_us = left > 0 ? left : 0;
    }
    if (n > 0 || io_uring_cq_ready(&ring_) > 0) wait_us = 0;
    unsigned to_submit = flush_sq();
    if (wait_us != 0 && to_submit > 0) {
      // A submitting enter that then sleeps reports the submission count, not EINTR or ETIME:
      // submit first so the sleeping enter reports the signal.
      enter(to_submit, 0, 0);
      to_submit = 0;
      if (io_uring_cq_ready(&ring_) > 0) wait_us = 0;
    }
    int rc = enter(to_submit, wait_us != 0 ? 1 : 0, wait_us);
    n += reap(out + n, max - n);
    bufs_.publish();
    rearm_starved();
    if (n > 0) return n;
    if (rc == -EINTR) return -EINTR;
    if (timeout_us == 0 || rc == -ETIME) return 0;
    if (timeout_us > 0 && now_us() >= deadline) return 0;
    if (rc < 0 && rc != -EAGAIN && rc != -EBUSY) return rc;
  }
}

void UringBackend::discard(const Pending& p) {
  if (p.bid >= 0) bufs_.give_back(static_cast<uint32_t>(p.bid));
  if (p.c.op == Op::kAccept && p.c.result >= 0) ::close(p.c.result);
}

// Delivers parked completions whose socket is live and not paused, in the order they arrived.
int UringBackend::drain(Completion* out, int room) {
  int n = 0;
  size_t keep = 0;
  const bool low = ring_short();
  for (size_t i = 0; i < pending_.size(); ++i) {
    const Pending p = pending_[i];
    FdState* s = live(p.fd);
    if (s == nullptr || s->token != p.c.token) {
      discard(p);
      continue;
    }
    bool paused = !s->active && (p.c.op == Op::kRecv || p.c.op == Op::kAccept);
    if (paused && p.bid >= 0 && low) {
      // A paused socket's bytes, and the others need the buffer more. Stashed here only, in
      // the order they were parked, so the stash keeps the stream's order.
      if (stash(*s, p.c.data, p.c.result, static_cast<uint32_t>(p.bid))) {
        pending_[keep++] = stash_marker(p.fd, *s);
      } else {
        --s->held;
      }
      continue;
    }
    // Receives that came after the stash wait until it is all delivered.
    bool behind_stash = p.c.op == Op::kRecv && !p.stash && s->stash_parked;
    bool quota = p.c.op == Op::kRecv && over_quota(*s);
    if (paused || behind_stash || quota || n >= room) {
      pending_[keep++] = p;
      continue;
    }
    out[n] = p.c;
    ++n;
    if (p.c.op == Op::kRecv) ++s->quota_used;
    if (p.stash) {
      // One stashed buffer's bytes per completion, as they were received, so a resumed socket
      // gets what it would have had without the stash; the block lives until the next wait().
      spent_stashes_.push_back(std::move(s->stash.front()));
      s->stash.pop_front();
      out[n - 1].data = spent_stashes_.back().data();
      out[n - 1].result = static_cast<int32_t>(spent_stashes_.back().size());
      if (!s->stash.empty()) {
        pending_[keep++] = p;
        continue;
      }
      s->stash_parked = false;
    }
    --s->held;
    if (p.bid >= 0) hand(static_cast<uint32_t>(p.bid));
    if (s->held == 0) rearm_when_delivered(p.fd, *s);
  }
  pending_.resize(keep);
  return n;
}

// Consumes CQEs until `room` completions are written; the rest stay in the CQ for next time.
int UringBackend::reap(Completion* out, int room) {
  io_uring_cq& cq = ring_.cq;
  unsigned head = *cq.khead;
  unsigned tail = io_uring_smp_load_acquire(cq.ktail);
  int n = 0;
  while (head != tail && n < room) {
    n += handle(cq.cqes[head & cq.ring_mask], out + n, room - n);
    ++head;
  }
  io_uring_smp_store_release(cq.khead, head);
  return n;
}

int UringBackend::handle(const io_uring_cqe& cqe, Completion* out, int room) {
  bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
  if (!more) --inflight_;
  Ud op = static_cast<Ud>(cqe.user_data >> kTokenBits);
  if (op == Ud::kSendTo) return on_sendto(cqe, out);
  if (op == Ud::kClosingSend) {
    --closing_;
    *out = Completion{cqe.user_data & kTokenMask, Op::kClosed, cqe.res, nullptr};
    return 1;
  }
  BufferRing& ring = op == Ud::kRecvFrom ? dbufs_ : bufs_;
  int32_t bid = -1;
  if ((cqe.flags & IORING_CQE_F_BUFFER) != 0) {
    bid = static_cast<int32_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    if (ring.owns(static_cast<uint32_t>(bid))) {
      ring.taken();
    } else {
      bid = -1;
    }
  }
  uint64_t token = cqe.user_data & kTokenMask;
  int fd = -1;
  FdState* s = nullptr;
  if (op != Ud::kCancel && op != Ud::kNone) {
    fd = tokens_.find(token);
    s = live(fd);
  }
  if (op == Ud::kRecv && bid >= 0 && cqe.res > 0 &&
      static_cast<uint32_t>(cqe.res) > bufs_.buffer_size()) {
    // A bundle: the bytes fill consecutive ring entries, whose buffers are all taken.
    uint32_t n = (static_cast<uint32_t>(cqe.res) + bufs_.buffer_size() - 1) / bufs_.buffer_size();
    for (uint32_t i = 1; i < n; ++i) bufs_.taken();
  }
  if (s == nullptr || s->token != token) {
    // A cancel's own completion, or a stale one for a closed socket: recycle what it carries.
    if (bid >= 0) give_back_received(ring, op, cqe.res, static_cast<uint32_t>(bid));
    if (op == Ud::kAccept && cqe.res >= 0) ::close(cqe.res);
    return 0;
  }
  switch (op) {
    case Ud::kAccept:
      return on_accept(fd, *s, cqe.res, more, out);
    case Ud::kRecv:
      return on_recv(fd, *s, cqe.res, more, bid, out, room);
    case Ud::kSend:
      return on_send(fd, *s, cqe.res, out);
    case Ud::kConnect:
      return on_connect(fd, *s, cqe.res, out);
    case Ud::kRecvFrom:
      return on_recvfrom(fd, *s, cqe.res, more, bid, out);
    default:
      return 0;
  }
}

int UringBackend::on_accept(int fd, FdState& s, int32_t res, bool more, Completion* out) {
  if (!more) s.armed = false;
  int produced = 0;
  Completion c{s.token, Op::kAccept, res, nullptr};
  if (res >= 0) {
    // Accepted after stop_accept() but before the cancel took effect: hold until start_accept().
    if (s.active && s.held == 0) {
      *out = c;
      produced = 1;
    } else {
      park(fd, -1, c, s);
    }
  } else if (res != -ECANCELED && s.active) {
    *out = c;
    produced = 1;
  }
  bool fatal = res == -EBADF || res == -EINVAL || res == -ENOTSOCK || res == -EOPNOTSUPP;
  if (!s.armed && s.active && !fatal) arm_accept(fd, s);
  return produced;
}

int UringBackend::on_recv(int fd, FdState& s, int32_t res, bool more, int32_t bid, Completion* out,
                          int room) {
  if (!more) s.armed = false;
  if (bid >= 0 && (res <= 0 || s.recv_done)) {
    give_back_received(bufs_, Ud::kRecv, res, static_cast<uint32_t>(bid));
    bid = -1;
  }
  if (s.recv_done) return 0;
  if (res == -ENOBUFS) {
    // Re-armed only once buffers come back (see rearm_starved), never in a loop.
    if (!s.starved) {
      s.starved = true;
      starved_.push_back(Starved{fd, s.token});
    }
    return 0;
  }
  if (res == -ECANCELED) {
    // pause_recv()'s cancel (resume_recv() may have come since), or the share's.
    rearm_when_delivered(fd, s);
    return 0;
  }
  if (res > 0 && bid < 0) res = -EIO;  // cannot happen with buffer select
  if (res <= 0) s.recv_done = true;
  if (res <= 0) {
    Completion c{s.token, Op::kRecv, res, nullptr};
    if (!s.active || s.held > 0 || room <= 0) {
      park(fd, -1, c, s);
      return 0;
    }
    *out = c;
    return 1;
  }
  // One completion per buffer, so that each can be lent and recycled on its own; a bundle's
  // buffers are full but for the last.
  int produced = 0;
  const uint32_t size = bufs_.buffer_size();
  const uint32_t total = static_cast<uint32_t>(res);
  for (uint32_t i = 0, off = 0; off < total; ++i, off += size) {
    uint32_t b = bufs_.bundle_member(static_cast<uint32_t>(bid), i);
    int32_t len = static_cast<int32_t>(total - off < size ? total - off : size);
    Completion c{s.token, Op::kRecv, len, bufs_.data(b)};
    if (s.close_when_sent) {
      bufs_.give_back(b);  // answered and closing: nothing more is read
      continue;
    }
    if (!s.active || s.held > 0 || produced >= room || over_quota(s)) {
      park(fd, static_cast<int32_t>(b), c, s);
      continue;
    }
    ++s.quota_used;
    out[produced++] = c;
    hand(b);
  }
  if (recv_limit_ == 0 && s.armed && !s.capped && s.held >= share_) {
    // No receive limit in this kernel: stop the multishot by hand once the socket holds its
    // share, as the limit would have.
    cancel(pack(Ud::kRecv, s.token));
    s.capped = true;
  }
  // The multishot ended (its limit, a cancel, or the kernel's own reasons such as CQ overflow):
  // armed again once the caller has what it brought, so one socket never holds more than its
  // share.
  rearm_when_delivered(fd, s);
  return produced;
}

int UringBackend::on_send(int fd, FdState& s, int32_t res, Completion* out) {
  if (!s.send_busy) return 0;
  if (res > 0) {
    s.sent += res;
    advance(s, static_cast<size_t>(res));
    if (s.iovcnt > 0) {
      if (submit_send(fd, s) == 0) return 0;  // short send: the rest goes out next
      res = -EAGAIN;
    }
  } else if (res == 0) {
    res = -EIO;  // no progress on a non-empty send
  } else if (res == -EAGAIN) {
    // The kernel can give up on a full socket buffer instead of waiting for room (seen under a
    // bulk echo whose client is slow to read): not an error, try again once it is writable.
    if (submit_send(fd, s, true) == 0) return 0;
  }
  s.send_busy = false;
  s.iov = nullptr;
  s.iovcnt = 0;
  if (s.close_when_sent) {
    uint64_t token = s.token;
    int32_t result = res < 0 ? res : static_cast<int32_t>(s.sent > INT32_MAX ? INT32_MAX : s.sent);
    close(fd);
    *out = Completion{token, Op::kClosed, result, nullptr};
    return 1;
  }
  int32_t result = res < 0 ? res : static_cast<int32_t>(s.sent > INT32_MAX ? INT32_MAX : s.sent);
  *out = Completion{s.token, Op::kSend, result, nullptr};
  return 1;
}

int UringBackend::on_connect(int fd, FdState& s, int32_t res, Completion* out) {
  if (s.kind != Kind::kConnecting) return 0;
  s.kind = Kind::kStream;
  if (res < 0) {
    s.recv_done = true;
  } else {
    res = 0;
    if (s.active) arm_recv(fd, s);
  }
  *out = Completion{s.token, Op::kConnect, res, nullptr};
  return 1;
}

// Gives every receive that ran dry another go once the ring surely holds buffers again: every
// posted completion was reaped (so none carries a buffer we do not know of) and fewer than all
// buffers are out. A receive re-armed here either gets data or was beaten to the buffers by
// receives that did: each round makes progress, none spins.
void UringBackend::rearm_starved() {
  if (!dstarved_.empty() && dbufs_.out() < dbufs_.count() && io_uring_cq_ready(&ring_) == 0) {
    for (const Starved& e : dstarved_) {
      FdState* s = live(e.fd);
      if (s == nullptr || s->token != e.token) continue;
      s->starved = false;
      if (!s->armed) arm_recvmsg(e.fd, *s);
    }
    dstarved_.clear();
  }
  if (starved_.empty() || bufs_.out() >= bufs_.count() || io_uring_cq_ready(&ring_) > 0) return;
  for (const Starved& e : starved_) {
    FdState* s = live(e.fd);
    if (s == nullptr || s->token != e.token) continue;
    s->starved = false;
    if (s->active && !s->armed && !s->recv_done) arm_recv(e.fd, *s);
  }
  starved_.clear();
}

int UringBackend::ensure_datagram_buffers() {
  if (dgram_ready_) return 0;
  if (int rc = dbufs_.init(&ring_, kDgramGroup, kDgramBuffers, kDgramBufferBytes); rc < 0)
    return rc;
  if (int rc = send_slots_.init(kSendSlots); rc < 0) {
    dbufs_.destroy();
    return rc;
  }
  dhanded_.reserve(kDgramBuffers);
  dstarved_.reserve(256);
  dirty_.reserve(256);
  gso_ = udp_offload().gso;
  dgram_ready_ = true;
  return 0;
}

// The name area is sized as a whole PeerAddress so that a completion can point into the buffer:
// the kernel writes the address, on_recvfrom() fills in the length behind it.
int UringBackend::arm_recvmsg(int fd, FdState& s) {
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return -EAGAIN;
  s.rmsg = msghdr{};
  s.rmsg.msg_namelen = sizeof(PeerAddress);
  s.rmsg.msg_controllen = kDgramControlBytes;
  io_uring_prep_recvmsg_multishot(sqe, fd, &s.rmsg, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kDgramGroup;
  io_uring_sqe_set_data64(sqe, pack(Ud::kRecvFrom, s.token));
  s.armed = true;
  return 0;
}

int UringBackend::on_recvfrom(int fd, FdState& s, int32_t res, bool more, int32_t bid,
                              Completion* out) {
  if (!more) s.armed = false;
  if (res == -ENOBUFS) {
    if (bid >= 0) dbufs_.give_back(static_cast<uint32_t>(bid));
    if (!s.starved) {
      s.starved = true;
      dstarved_.push_back(Starved{fd, s.token});
    }
    return 0;
  }
  if (!s.armed && !s.starved && res != -EBADF && res != -ENOTSOCK) arm_recvmsg(fd, s);
  if (res == -ECANCELED) return 0;
  Completion c{s.token, Op::kRecvFrom, res, nullptr};
  if (res >= 0) {
    io_uring_recvmsg_out* o =
        bid >= 0 ? io_uring_recvmsg_validate(dbufs_.data(static_cast<uint32_t>(bid)), res, &s.rmsg)
                 : nullptr;
    if (o == nullptr) {
      if (bid >= 0) dbufs_.give_back(static_cast<uint32_t>(bid));
      c.result = -EIO;  // cannot happen: buffers are sized for the header
      *out = c;
      return 1;
    }
    DatagramControl ctl;
    for (cmsghdr* cm = io_uring_recvmsg_cmsg_firsthdr(o, &s.rmsg); cm != nullptr;
         cm = io_uring_recvmsg_cmsg_nexthdr(o, &s.rmsg, cm)) {
      read_control_message(cm, &ctl);
    }
    if (ctl.has_drops) {
      dgram_stats_.kernel_drops += static_cast<uint32_t>(ctl.drops - s.last_drops);
      s.last_drops = ctl.drops;
    }
    if (ctl.segment != 0) ++dgram_stats_.gro_receives;
    auto* peer = static_cast<PeerAddress*>(io_uring_recvmsg_name(o));
    peer->len = o->namelen < sizeof(peer->addr) ? o->namelen : sizeof(peer->addr);
    c.data = static_cast<const char*>(io_uring_recvmsg_payload(o, &s.rmsg));
    c.result = static_cast<int32_t>(io_uring_recvmsg_payload_length(o, res, &s.rmsg));
    c.peer = peer;
    c.segment = ctl.segment;
    dhanded_.push_back(static_cast<uint16_t>(bid));
  } else if (bid >= 0) {
    dbufs_.give_back(static_cast<uint32_t>(bid));
  }
  *out = c;
  return 1;
}

// Prepares one sendmsg per queued slot of every socket that queued datagrams this turn; the
// wait() that follows submits them all with one io_uring_enter.
void UringBackend::flush_datagrams() {
  for (int fd : dirty_) {
    FdState* s = live(fd);
    if (s == nullptr || !s->dgram_dirty) continue;
    s->dgram_dirty = false;
    for (int32_t i = send_slots_.pop(s->dgram_queue); i >= 0; i = send_slots_.pop(s->dgram_queue)) {
      SendSlot& slot = send_slots_.at(i);
      io_uring_sqe* sqe = get_sqe();
      if (sqe == nullptr) {
        Completion c{s->token, Op::kSendTo, -EBUSY, nullptr};
        c.tag = slot.tag;
        c.count = slot.count;
        park(fd, -1, c, *s);
        send_slots_.release(i);
        continue;
      }
      io_uring_prep_sendmsg(sqe, fd, &slot.msg, MSG_NOSIGNAL);
      io_uring_sqe_set_data64(sqe, pack(Ud::kSendTo, static_cast<uint64_t>(i)));
    }
  }
  dirty_.clear();
}

int UringBackend::on_sendto(const io_uring_cqe& cqe, Completion* out) {
  int32_t i = static_cast<int32_t>(cqe.user_data & kTokenMask);
  SendSlot& slot = send_slots_.at(i);
  FdState* s = live(slot.fd);
  int produced = 0;
  if (s != nullptr && s->token == slot.token) {
    Completion c{slot.token, Op::kSendTo, 0, nullptr};
    if (cqe.res >= 0) {
      c.result = slot.count;
      dgram_stats_.datagrams_sent += slot.count;
      if (slot.count > 1) ++dgram_stats_.gso_batches;
    } else {
      if (cqe.res == -EIO && slot.count > 1 && gso_) {
        gso_ = false;
        spdlog::warn("UDP GSO send failed with EIO; sending datagrams one by one from now on");
      }
      c.result = cqe.res;
      c.tag = slot.tag;
      c.count = slot.count;
    }
    *out = c;
    produced = 1;
  }
  send_slots_.release(i);
  return produced;
}

}  // namespace

std::unique_ptr<Backend> make_uring_backend(const UringOptions& options, std::string* error) {
  auto backend = std::make_unique<UringBackend>();
  if (backend->init(options, error) < 0) return nullptr;
  return backend;
}

std::unique_ptr<Backend> make_uring_backend(std::string* error) {
  UringOptions o = uring_options_from_env(error);
  if (!error->empty()) return nullptr;
  return make_uring_backend(o, error);
}

}  // namespace percore::io
