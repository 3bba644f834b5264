#include "core/io/iocp_backend.h"

#include <errno.h>

#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/io/settle.h"
#include "core/net/winsock.h"

namespace percore::io {
namespace {

// Receives kept outstanding per stream socket, and their buffer size: while the protocol code
// handles one, the next is already being filled.
constexpr int kStreamRecvs = 2;
constexpr uint32_t kStreamBuffer = 16 * 1024;
// Datagram sockets keep more receives posted: a burst finds buffers waiting.
constexpr int kDatagramRecvs = 16;
constexpr uint32_t kDatagramBuffer = 64 * 1024;
// Datagram sends in flight per socket; beyond it send_datagrams() takes fewer.
constexpr size_t kDatagramSendsInFlight = 1024;
constexpr int kAcceptsPerListener = 4;
constexpr ULONG kPortBatch = 256;
constexpr int kMaxWsaBufs = 64;
constexpr DWORD kAcceptAddressBytes = sizeof(sockaddr_in6) + 16;

enum class Kind : uint8_t { kRecv, kSend, kAccept, kConnect, kRecvFrom, kSendTo };
enum class SockType : uint8_t { kStream, kListener, kDatagram };

struct Sock;

// One overlapped operation. OVERLAPPED comes first: the completion hands back its address.
struct OpState {
  OVERLAPPED ov{};
  Kind kind;
  Sock* sock = nullptr;
  bool in_kernel = false;
  bool done = false;
  int32_t result = 0;
  std::vector<char> buf;
  // kRecvFrom
  sockaddr_storage from{};
  int from_len = sizeof(sockaddr_storage);
  DWORD flags = 0;
  PeerAddress peer{};
  // kAccept
  SOCKET accepted = INVALID_SOCKET;
  char accept_addrs[2 * kAcceptAddressBytes];
  // kSendTo
  uint32_t tag = 0;
};

struct Sock {
  SOCKET s = INVALID_SOCKET;
  int fd = -1;
  uint64_t token = 0;
  SockType type = SockType::kStream;
  bool closed = false;
  bool paused = false;
  bool ended = false;  // EOF or an error was delivered: no more receives
  bool connecting = false;
  bool close_after_send = false;
  bool accepting = false;
  int in_kernel = 0;  // operations posted and not completed yet
  std::vector<std::unique_ptr<OpState>> ops;
  std::deque<OpState*> recv_order;  // stream receives in the order posted (= stream order)
  std::vector<OpState*> idle;       // receives not posted (paused, or ended)
  // The one send in flight (streams) and its progress.
  OpState send_op;
  bool sending = false;
  iovec* iov = nullptr;
  int iovcnt = 0;
  int64_t sent = 0;
  OpState connect_op;
  // Datagram sends: free operations and successes not yet reported.
  std::vector<OpState*> free_sends;
  uint32_t sent_ok = 0;
  bool in_sent_list = false;
  int family = AF_INET;
};

// A connection a backend delivers (or holds) for a listener: the accept path of
// docs/windows.md. Windows has no SO_REUSEPORT, so a listener is one socket shared by every
// worker thread; its AcceptEx operations complete on the port of the backend that started
// accepting first (the owner), which hands each new connection to the next accepting backend in
// turn with PostQueuedCompletionStatus, so every worker still sees its share of kAccept.
class IocpBackend;
struct SharedListener {
  struct Member {
    IocpBackend* backend;
    bool active;
  };
  IocpBackend* owner = nullptr;
  std::vector<Member> members;
  size_t next = 0;
  std::deque<SOCKET> held;  // accepted while no member was accepting
};

std::mutex g_listeners_mu;
std::unordered_map<int, SharedListener>& shared_listeners() {
  static auto* map = new std::unordered_map<int, SharedListener>();
  return *map;
}

// Marks a completion packet that hands over an accepted socket (the key carries the socket,
// the byte count the listener's fd).
OVERLAPPED g_handoff_marker;

void fill_peer(const sockaddr_storage& from, int len, PeerAddress* peer) {
  std::memset(peer, 0, sizeof(*peer));
  size_t n =
      static_cast<size_t>(len) < sizeof(peer->addr) ? static_cast<size_t>(len) : sizeof(peer->addr);
  std::memcpy(&peer->addr, &from, n);
  peer->len = static_cast<socklen_t>(n);
}

class IocpBackend final : public Backend {
 public:
  explicit IocpBackend(HANDLE port) : port_(port) {
    entries_.resize(kPortBatch);
    ready_.reserve(1024);
  }

  ~IocpBackend() override {
    std::vector<int> fds;
    for (auto& [fd, sock] : socks_) fds.push_back(fd);
    for (int fd : fds) close(fd);
    CloseHandle(port_);
    // Operations Windows still owns refer to these sockets' memory; the port is gone, so nothing
    // will touch them, but their OVERLAPPED must outlive the kernel's use: keep the leak bounded
    // to shutdown by deleting only sockets with nothing in flight.
    for (Sock* s : graveyard_) {
      if (s->in_kernel == 0) delete s;
    }
  }

  const char* name() const override { return "iocp"; }

  int start_accept(int listen_fd, uint64_t token, AcceptWake) override {
    auto it = socks_.find(listen_fd);
    Sock* sock;
    if (it == socks_.end()) {
      sock = new Sock();
      sock->s = net::to_socket(listen_fd);
      sock->fd = listen_fd;
      sock->type = SockType::kListener;
      sockaddr_storage local{};
      int len = sizeof(local);
      if (getsockname(sock->s, reinterpret_cast<sockaddr*>(&local), &len) != 0) {
        int err = WSAGetLastError();
        delete sock;
        return -errno_from_wsa(err);
      }
      sock->family = local.ss_family;
      socks_[listen_fd] = sock;
    } else {
      sock = it->second;
    }
    sock->token = token;
    sock->accepting = true;
    std::vector<SOCKET> take;
    bool owner = false;
    {
      std::lock_guard<std::mutex> lock(g_listeners_mu);
      SharedListener& shared = shared_listeners()[listen_fd];
      if (shared.owner == nullptr) shared.owner = this;
      owner = shared.owner == this;
      bool member = false;
      for (auto& m : shared.members) {
        if (m.backend == this) {
          m.active = true;
          member = true;
        }
      }
      if (!member) shared.members.push_back({this, true});
      take.assign(shared.held.begin(), shared.held.end());
      shared.held.clear();
    }
    for (SOCKET s : take) push_ready({sock->token, Op::kAccept, net::from_socket(s), nullptr});
    if (owner && sock->ops.empty()) {
      if (CreateIoCompletionPort(reinterpret_cast<HANDLE>(sock->s), port_, 0, 0) == nullptr) {
        return -errno_from_wsa(static_cast<int>(GetLastError()));
      }
      for (int i = 0; i < kAcceptsPerListener; ++i) {
        auto op = std::make_unique<OpState>();
        op->kind = Kind::kAccept;
        op->sock = sock;
        sock->idle.push_back(op.get());
        sock->ops.push_back(std::move(op));
      }
    }
    if (owner) {
      std::vector<OpState*> idle;
      idle.swap(sock->idle);
      for (OpState* op : idle) post_accept(sock, op);
    }
    return 0;
  }

  int stop_accept(int listen_fd) override {
    auto it = socks_.find(listen_fd);
    if (it == socks_.end() || it->second->type != SockType::kListener) return -EBADF;
    it->second->accepting = false;
    std::lock_guard<std::mutex> lock(g_listeners_mu);
    auto shared = shared_listeners().find(listen_fd);
    if (shared == shared_listeners().end()) return 0;
    for (auto& m : shared->second.members) {
      if (m.backend == this) m.active = false;
    }
    // A connection handed out but not yet collected by wait() goes back for another worker.
    drop_ready_accepts(it->second, &shared->second.held);
    return 0;
  }

  int open(int fd, uint64_t token) override {
    Sock* sock = new_stream(fd, token);
    if (int rc = associate(sock); rc < 0) return rc;
    start_receiving(sock);
    return 0;
  }

  int connect(int fd, uint64_t token, const sockaddr* addr, socklen_t len) override {
    if (connect_ex_ == nullptr) {
      int rc = net::load_connect_ex(net::to_socket(fd), &connect_ex_);
      if (rc < 0) return rc;
    }
    Sock* sock = new_stream(fd, token);
    if (int rc = associate(sock); rc < 0) return rc;
    // ConnectEx wants a bound socket.
    sockaddr_storage any{};
    any.ss_family = addr->sa_family;
    int any_len = addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    sockaddr_storage bound{};
    int bound_len = sizeof(bound);
    if (getsockname(sock->s, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0 &&
        bind(sock->s, reinterpret_cast<sockaddr*>(&any), any_len) != 0) {
      return forget_untaken(sock, WSAGetLastError());
    }
    OpState* op = &sock->connect_op;
    op->kind = Kind::kConnect;
    op->sock = sock;
    op->ov = {};
    sock->connecting = true;
    if (!connect_ex_(sock->s, addr, static_cast<int>(len), nullptr, 0, nullptr, &op->ov)) {
      int err = WSAGetLastError();
      if (err != ERROR_IO_PENDING) return forget_untaken(sock, err);
    }
    in_kernel(sock, op);
    return 0;
  }

  int pause_recv(int fd) override {
    Sock* sock = find(fd);
    if (sock == nullptr) return -EBADF;
    sock->paused = true;
    return 0;
  }

  int resume_recv(int fd) override {
    Sock* sock = find(fd);
    if (sock == nullptr) return -EBADF;
    if (!sock->paused) return 0;
    sock->paused = false;
    deliver_stream(sock);
    repost_idle(sock);
    return 0;
  }

  int send(int fd, iovec* iov, int iovcnt) override {
    Sock* sock = find(fd);
    if (sock == nullptr) return -EBADF;
    if (sock->connecting) return -ENOTCONN;
    if (sock->sending) return -EBUSY;
    sock->sending = true;
    sock->iov = iov;
    sock->iovcnt = iovcnt;
    sock->sent = 0;
    post_send(sock);
    return 0;
  }

  int close(int fd) override {
    auto it = socks_.find(fd);
    if (it == socks_.end()) return -EBADF;
    Sock* sock = it->second;
    socks_.erase(it);
    retire(sock);
    return 0;
  }

  int close_when_sent(int fd) override {
    Sock* sock = find(fd);
    if (sock == nullptr) return -EBADF;
    if (!sock->sending) {
      int rc = close(fd);
      return rc < 0 ? rc : 0;
    }
    sock->close_after_send = true;
    sock->paused = true;
    ++closing_;
    return kClosesLater;
  }

  void settle(int64_t timeout_us) override {
    wait_until_settled(*this, timeout_us, [this] { return closing_ > 0; });
  }

  int open_datagram(int fd, uint64_t token) override {
    Sock* sock = new_stream(fd, token);
    sock->type = SockType::kDatagram;
    if (int rc = associate(sock); rc < 0) return rc;
    // A port-unreachable ICMP would otherwise fail the next receive with WSAECONNRESET.
    BOOL off = FALSE;
    DWORD ignored = 0;
    WSAIoctl(sock->s, SIO_UDP_CONNRESET, &off, sizeof(off), nullptr, 0, &ignored, nullptr, nullptr);
    for (int i = 0; i < kDatagramRecvs; ++i) {
      auto op = std::make_unique<OpState>();
      op->kind = Kind::kRecvFrom;
      op->sock = sock;
      op->buf.resize(kDatagramBuffer);
      post_recv_from(sock, op.get());
      sock->ops.push_back(std::move(op));
    }
    return 0;
  }

  int send_datagrams(int fd, const OutDatagram* batch, int count) override {
    Sock* sock = find(fd);
    if (sock == nullptr || sock->type != SockType::kDatagram) return -EBADF;
    int taken = 0;
    for (; taken < count; ++taken) {
      OpState* op = take_send_op(sock);
      if (op == nullptr) break;
      const OutDatagram& d = batch[taken];
      op->buf.assign(static_cast<const char*>(d.data), static_cast<const char*>(d.data) + d.len);
      op->tag = d.tag;
      op->ov = {};
      WSABUF wb{d.len, op->buf.data()};
      const sockaddr* to = d.to != nullptr ? &d.to->addr.sa : nullptr;
      int to_len = d.to != nullptr ? static_cast<int>(d.to->len) : 0;
      ++stats_.syscalls;
      if (WSASendTo(sock->s, &wb, 1, nullptr, 0, to, to_len, &op->ov, nullptr) != 0) {
        int err = WSAGetLastError();
        if (err != WSA_IO_PENDING) {
          Completion c{sock->token, Op::kSendTo, -errno_from_wsa(err), nullptr};
          c.tag = d.tag;
          c.count = 1;
          push_ready(c);
          sock->free_sends.push_back(op);
          continue;
        }
      }
      in_kernel(sock, op);
    }
    return taken;
  }

  DatagramStats datagram_stats() const override { return stats_; }

  int wait(Completion* out, int max, int64_t timeout_us) override {
    recycle();
    sweep();
    DWORD timeout_ms = INFINITE;
    if (ready_head_ < ready_.size()) {
      timeout_ms = 0;
    } else if (timeout_us >= 0) {
      timeout_ms = static_cast<DWORD>((timeout_us + 999) / 1000);
    }
    ULONG n = 0;
    if (!GetQueuedCompletionStatusEx(port_, entries_.data(), kPortBatch, &n, timeout_ms, FALSE)) {
      DWORD err = GetLastError();
      if (err != WAIT_TIMEOUT) return -errno_from_wsa(static_cast<int>(err));
      n = 0;
    }
    for (ULONG i = 0; i < n; ++i) on_entry(entries_[i]);
    for (Sock* sock : sent_socks_) {
      sock->in_sent_list = false;
      if (sock->closed || sock->sent_ok == 0) continue;
      push_ready({sock->token, Op::kSendTo, static_cast<int32_t>(sock->sent_ok), nullptr});
      sock->sent_ok = 0;
    }
    sent_socks_.clear();
    int produced = 0;
    while (produced < max && ready_head_ < ready_.size()) {
      Ready& r = ready_[ready_head_++];
      if (r.dropped) continue;
      out[produced++] = r.c;
      if (r.op != nullptr) recycle_.push_back(r.op);
    }
    if (ready_head_ == ready_.size()) {
      ready_.clear();
      ready_head_ = 0;
    }
    return produced;
  }

  // Called (under g_listeners_mu) by the owner of a shared listener.
  void post_handoff(int listen_fd, SOCKET accepted) {
    PostQueuedCompletionStatus(port_, static_cast<DWORD>(listen_fd),
                               static_cast<ULONG_PTR>(accepted), &g_handoff_marker);
  }

 private:
  struct Ready {
    Completion c;
    OpState* op;  // a receive to re-post once handed out, or nullptr
    Sock* sock;
    bool dropped;
  };

  Sock* find(int fd) {
    auto it = socks_.find(fd);
    return it == socks_.end() ? nullptr : it->second;
  }

  Sock* new_stream(int fd, uint64_t token) {
    Sock* sock = new Sock();
    sock->s = net::to_socket(fd);
    sock->fd = fd;
    sock->token = token;
    socks_[fd] = sock;
    return sock;
  }

  // Registers the socket with this worker's port; on failure the socket stays the caller's.
  int associate(Sock* sock) {
    if (CreateIoCompletionPort(reinterpret_cast<HANDLE>(sock->s), port_, 0, 0) == nullptr) {
      return forget_untaken(sock, static_cast<int>(GetLastError()));
    }
    return 0;
  }

  int forget_untaken(Sock* sock, int wsa_error) {
    socks_.erase(sock->fd);
    delete sock;
    return -errno_from_wsa(wsa_error);
  }

  void in_kernel(Sock* sock, OpState* op) {
    op->in_kernel = true;
    ++sock->in_kernel;
  }

  void push_ready(const Completion& c, OpState* op = nullptr, Sock* sock = nullptr) {
    ready_.push_back({c, op, sock, false});
  }

  void start_receiving(Sock* sock) {
    for (int i = 0; i < kStreamRecvs; ++i) {
      auto op = std::make_unique<OpState>();
      op->kind = Kind::kRecv;
      op->sock = sock;
      op->buf.resize(kStreamBuffer);
      OpState* raw = op.get();
      sock->ops.push_back(std::move(op));
      post_recv(sock, raw);
    }
  }

  // Stream receives complete in the order they were posted; recv_order keeps that order so
  // bytes are delivered as the stream carried them, whatever order the port returns them in.
  void post_recv(Sock* sock, OpState* op) {
    op->ov = {};
    op->done = false;
    op->flags = 0;
    WSABUF wb{static_cast<ULONG>(op->buf.size()), op->buf.data()};
    sock->recv_order.push_back(op);
    if (WSARecv(sock->s, &wb, 1, nullptr, &op->flags, &op->ov, nullptr) != 0) {
      int err = WSAGetLastError();
      if (err != WSA_IO_PENDING) {
        op->done = true;
        op->result = -errno_from_wsa(err);
        deliver_stream(sock);
        return;
      }
    }
    in_kernel(sock, op);
  }

  void post_recv_from(Sock* sock, OpState* op) {
    for (;;) {
      op->ov = {};
      op->flags = 0;
      op->from_len = sizeof(op->from);
      WSABUF wb{static_cast<ULONG>(op->buf.size()), op->buf.data()};
      ++stats_.syscalls;
      if (WSARecvFrom(sock->s, &wb, 1, nullptr, &op->flags, reinterpret_cast<sockaddr*>(&op->from),
                      &op->from_len, &op->ov, nullptr) == 0) {
        break;
      }
      int err = WSAGetLastError();
      if (err == WSA_IO_PENDING) break;
      // A receive that cannot even be posted: report it and leave the operation idle rather
      // than spin; the next wait() posts it again.
      push_ready({sock->token, Op::kRecvFrom, -errno_from_wsa(err), nullptr}, op, sock);
      return;
    }
    in_kernel(sock, op);
  }

  void post_accept(Sock* sock, OpState* op) {
    if (accept_ex_ == nullptr && net::load_accept_ex(sock->s, &accept_ex_) < 0) {
      sock->idle.push_back(op);
      return;
    }
    op->ov = {};
    op->accepted = WSASocketW(sock->family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                              WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (op->accepted == INVALID_SOCKET) {
      push_ready({sock->token, Op::kAccept, -errno_from_wsa(WSAGetLastError()), nullptr});
      sock->idle.push_back(op);  // posted again at the next start_accept()
      return;
    }
    DWORD bytes = 0;
    if (!accept_ex_(sock->s, op->accepted, op->accept_addrs, 0, kAcceptAddressBytes,
                    kAcceptAddressBytes, &bytes, &op->ov)) {
      int err = WSAGetLastError();
      if (err != ERROR_IO_PENDING) {
        closesocket(op->accepted);
        op->accepted = INVALID_SOCKET;
        push_ready({sock->token, Op::kAccept, -errno_from_wsa(err), nullptr});
        sock->idle.push_back(op);
        return;
      }
    }
    in_kernel(sock, op);
  }

  void post_send(Sock* sock) {
    WSABUF bufs[kMaxWsaBufs];
    int n = 0;
    for (int i = 0; i < sock->iovcnt && n < kMaxWsaBufs; ++i) {
      if (sock->iov[i].iov_len == 0) continue;
      bufs[n].buf = static_cast<char*>(sock->iov[i].iov_base);
      bufs[n].len = static_cast<ULONG>(sock->iov[i].iov_len);
      ++n;
    }
    if (n == 0) {
      finish_send(sock, static_cast<int32_t>(sock->sent));
      return;
    }
    OpState* op = &sock->send_op;
    op->kind = Kind::kSend;
    op->sock = sock;
    op->ov = {};
    if (WSASend(sock->s, bufs, static_cast<DWORD>(n), nullptr, 0, &op->ov, nullptr) != 0) {
      int err = WSAGetLastError();
      if (err != WSA_IO_PENDING) {
        finish_send(sock, -errno_from_wsa(err));
        return;
      }
    }
    in_kernel(sock, op);
  }

  // Drops the first `bytes` of the iovec array, rewriting it in place (the contract allows it).
  static void advance(Sock* sock, DWORD bytes) {
    size_t left = bytes;
    for (int i = 0; i < sock->iovcnt && left > 0; ++i) {
      size_t take = left < sock->iov[i].iov_len ? left : sock->iov[i].iov_len;
      sock->iov[i].iov_base = static_cast<char*>(sock->iov[i].iov_base) + take;
      sock->iov[i].iov_len -= take;
      left -= take;
    }
  }

  static bool iov_empty(const Sock* sock) {
    for (int i = 0; i < sock->iovcnt; ++i) {
      if (sock->iov[i].iov_len != 0) return false;
    }
    return true;
  }

  void finish_send(Sock* sock, int32_t result) {
    sock->sending = false;
    if (sock->close_after_send) {
      uint64_t token = sock->token;
      socks_.erase(sock->fd);
      retire(sock);
      push_ready({token, Op::kClosed, result, nullptr});
      return;
    }
    push_ready({sock->token, Op::kSend, result, nullptr}, nullptr, sock);
  }

  // Hands out, in posting order, the stream receives that have completed.
  void deliver_stream(Sock* sock) {
    while (!sock->recv_order.empty() && sock->recv_order.front()->done && !sock->paused) {
      OpState* op = sock->recv_order.front();
      sock->recv_order.pop_front();
      op->done = false;
      if (sock->ended) {
        sock->idle.push_back(op);
        continue;
      }
      if (op->result <= 0) sock->ended = true;
      push_ready({sock->token, Op::kRecv, op->result, op->buf.data()}, op, sock);
    }
  }

  void repost_idle(Sock* sock) {
    if (sock->ended || sock->paused || sock->closed) return;
    std::vector<OpState*> idle;
    idle.swap(sock->idle);
    for (OpState* op : idle) post_recv(sock, op);
  }

  // Receive buffers handed out by the previous wait() go back to work.
  void recycle() {
    std::vector<OpState*> ops;
    ops.swap(recycle_);  // post_recv_from may queue into recycle_ again
    for (OpState* op : ops) {
      Sock* sock = op->sock;
      if (sock->closed) continue;
      if (op->kind == Kind::kRecvFrom) {
        post_recv_from(sock, op);
      } else if (sock->ended || sock->paused) {
        sock->idle.push_back(op);
      } else {
        post_recv(sock, op);
      }
    }
    if (recycle_.empty()) {
      ops.clear();
      recycle_.swap(ops);  // keep the capacity
    }
  }

  void sweep() {
    size_t keep = 0;
    for (Sock* s : graveyard_) {
      if (s->in_kernel == 0) {
        delete s;
      } else {
        graveyard_[keep++] = s;
      }
    }
    graveyard_.resize(keep);
  }

  // Closes the socket; its operations still in the kernel complete as aborted and are dropped,
  // and the memory goes once the last has come back.
  void retire(Sock* sock) {
    if (sock->close_after_send && !sock->closed) --closing_;
    sock->closed = true;
    for (size_t i = ready_head_; i < ready_.size(); ++i) {
      if (ready_[i].sock == sock || ready_[i].c.token == sock->token) ready_[i].dropped = true;
    }
    if (sock->type == SockType::kListener) {
      std::lock_guard<std::mutex> lock(g_listeners_mu);
      auto it = shared_listeners().find(sock->fd);
      if (it != shared_listeners().end()) {
        SharedListener& shared = it->second;
        if (shared.owner == this) {
          for (SOCKET s : shared.held) closesocket(s);
          shared_listeners().erase(it);
          CancelIoEx(reinterpret_cast<HANDLE>(sock->s), nullptr);
          closesocket(sock->s);
        } else {
          for (size_t i = 0; i < shared.members.size(); ++i) {
            if (shared.members[i].backend == this) {
              shared.members.erase(shared.members.begin() + static_cast<long>(i));
              break;
            }
          }
        }
      }
    } else {
      CancelIoEx(reinterpret_cast<HANDLE>(sock->s), nullptr);
      closesocket(sock->s);
    }
    graveyard_.push_back(sock);
  }

  void drop_ready_accepts(Sock* listener, std::deque<SOCKET>* held) {
    for (size_t i = ready_head_; i < ready_.size(); ++i) {
      Ready& r = ready_[i];
      if (r.dropped || r.c.op != Op::kAccept || r.c.token != listener->token || r.c.result < 0) {
        continue;
      }
      r.dropped = true;
      held->push_back(net::to_socket(r.c.result));
    }
  }

  OpState* take_send_op(Sock* sock) {
    if (!sock->free_sends.empty()) {
      OpState* op = sock->free_sends.back();
      sock->free_sends.pop_back();
      return op;
    }
    if (sock->ops.size() >= kDatagramRecvs + kDatagramSendsInFlight) return nullptr;
    auto op = std::make_unique<OpState>();
    op->kind = Kind::kSendTo;
    op->sock = sock;
    OpState* raw = op.get();
    sock->ops.push_back(std::move(op));
    return raw;
  }

  // Routes a connection accepted on a listener this backend owns.
  void route_accepted(Sock* listener, SOCKET accepted) {
    IocpBackend* to = nullptr;
    {
      std::lock_guard<std::mutex> lock(g_listeners_mu);
      auto it = shared_listeners().find(listener->fd);
      if (it == shared_listeners().end()) {
        closesocket(accepted);
        return;
      }
      SharedListener& shared = it->second;
      for (size_t i = 0; i < shared.members.size(); ++i) {
        SharedListener::Member& m = shared.members[(shared.next + i) % shared.members.size()];
        if (m.active) {
          to = m.backend;
          shared.next = (shared.next + i + 1) % shared.members.size();
          break;
        }
      }
      if (to == nullptr) {
        shared.held.push_back(accepted);
        return;
      }
      if (to != this) {
        to->post_handoff(listener->fd, accepted);
        return;
      }
    }
    push_ready({listener->token, Op::kAccept, net::from_socket(accepted), nullptr});
  }

  void on_handoff(int listen_fd, SOCKET accepted) {
    Sock* listener = find(listen_fd);
    if (listener == nullptr || listener->type != SockType::kListener || !listener->accepting) {
      std::lock_guard<std::mutex> lock(g_listeners_mu);
      auto it = shared_listeners().find(listen_fd);
      if (it == shared_listeners().end()) {
        closesocket(accepted);
      } else {
        it->second.held.push_back(accepted);
      }
      return;
    }
    push_ready({listener->token, Op::kAccept, net::from_socket(accepted), nullptr});
  }

  // The Winsock error of a failed overlapped operation.
  static int op_error(Sock* sock, OpState* op) {
    DWORD bytes = 0, flags = 0;
    if (WSAGetOverlappedResult(sock->s, &op->ov, &bytes, FALSE, &flags)) return 0;
    return WSAGetLastError();
  }

  void on_entry(const OVERLAPPED_ENTRY& e) {
    if (e.lpOverlapped == &g_handoff_marker) {
      on_handoff(static_cast<int>(e.dwNumberOfBytesTransferred),
                 static_cast<SOCKET>(e.lpCompletionKey));
      return;
    }
    auto* op = reinterpret_cast<OpState*>(e.lpOverlapped);
    Sock* sock = op->sock;
    op->in_kernel = false;
    --sock->in_kernel;
    bool failed = op->ov.Internal != 0;
    int err = failed && !sock->closed ? op_error(sock, op) : 0;
    if (failed && err == 0) err = WSAECONNABORTED;
    DWORD bytes = e.dwNumberOfBytesTransferred;
    switch (op->kind) {
      case Kind::kAccept:
        if (sock->closed) {
          if (op->accepted != INVALID_SOCKET) closesocket(op->accepted);
          op->accepted = INVALID_SOCKET;
          return;
        }
        if (failed) {
          closesocket(op->accepted);
          push_ready({sock->token, Op::kAccept, -errno_from_wsa(err), nullptr});
        } else {
          SOCKET listen_socket = sock->s;
          setsockopt(op->accepted, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                     reinterpret_cast<const char*>(&listen_socket), sizeof(listen_socket));
          route_accepted(sock, op->accepted);
        }
        op->accepted = INVALID_SOCKET;
        post_accept(sock, op);
        return;
      case Kind::kRecv:
        if (sock->closed) return;
        op->done = true;
        op->result = failed ? -errno_from_wsa(err) : static_cast<int32_t>(bytes);
        deliver_stream(sock);
        return;
      case Kind::kSend:
        if (sock->closed) return;
        if (failed) {
          finish_send(sock, -errno_from_wsa(err));
          return;
        }
        sock->sent += bytes;
        advance(sock, bytes);
        if (iov_empty(sock)) {
          finish_send(sock, static_cast<int32_t>(sock->sent));
        } else {
          post_send(sock);  // a short send: the rest goes out now
        }
        return;
      case Kind::kConnect:
        if (sock->closed) return;
        sock->connecting = false;
        if (failed) {
          sock->ended = true;
          push_ready({sock->token, Op::kConnect, -errno_from_wsa(err), nullptr}, nullptr, sock);
          return;
        }
        setsockopt(sock->s, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0);
        push_ready({sock->token, Op::kConnect, 0, nullptr}, nullptr, sock);
        start_receiving(sock);
        return;
      case Kind::kRecvFrom: {
        if (sock->closed) return;
        Completion c{sock->token, Op::kRecvFrom, 0, op->buf.data()};
        if (failed) {
          c.result = -errno_from_wsa(err);
        } else {
          c.result = static_cast<int32_t>(bytes);
          fill_peer(op->from, op->from_len, &op->peer);
          c.peer = &op->peer;
        }
        push_ready(c, op, sock);
        return;
      }
      case Kind::kSendTo:
        sock->free_sends.push_back(op);
        if (sock->closed) return;
        if (failed) {
          Completion c{sock->token, Op::kSendTo, -errno_from_wsa(err), nullptr};
          c.tag = op->tag;
          c.count = 1;
          push_ready(c, nullptr, sock);
          return;
        }
        ++stats_.datagrams_sent;
        ++sock->sent_ok;
        if (!sock->in_sent_list) {
          sock->in_sent_list = true;
          sent_socks_.push_back(sock);
        }
        return;
    }
  }

  HANDLE port_;
  std::unordered_map<int, Sock*> socks_;
  std::vector<OVERLAPPED_ENTRY> entries_;
  std::vector<Ready> ready_;
  size_t ready_head_ = 0;
  int closing_ = 0;  // close_when_sent() sends still going out
  std::vector<OpState*> recycle_;
  std::vector<Sock*> graveyard_;
  std::vector<Sock*> sent_socks_;
  LPFN_ACCEPTEX accept_ex_ = nullptr;
  LPFN_CONNECTEX connect_ex_ = nullptr;
  DatagramStats stats_;
};

}  // namespace

std::unique_ptr<Backend> make_iocp_backend(std::string* error) {
  if (int rc = net::ensure_winsock(); rc != 0) {
    *error = "WSAStartup failed: " + std::to_string(rc);
    return nullptr;
  }
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  if (port == nullptr) {
    *error = "CreateIoCompletionPort failed: " + std::to_string(GetLastError());
    return nullptr;
  }
  return std::make_unique<IocpBackend>(port);
}

}  // namespace percore::io
