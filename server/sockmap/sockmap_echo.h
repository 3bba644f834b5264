// TCP echo with no byte in user space: each accepted connection is put into this worker's
// SOCKHASH, whose sk_skb verdict program sends every received skb back out of the same socket.
// The worker never reads: the sockets are not given to the event loop's backend, whose EPOLLIN
// registration would wake the worker on every segment the kernel echoes. Instead they sit in a
// private epoll set that asks only for EPOLLRDHUP (hang-ups and errors are always reported),
// polled without waiting every kHangupPollNs; after a hang-up the connection closes once
// everything the peer sent has been echoed and acknowledged.
#pragma once

#include <memory>

#include "core/util/deadline_list.h"
#include "core/util/slab.h"
#include "server/mode.h"
#include "server/sockmap/echo_program.h"

namespace percore::server::sockmap {

class SockmapEcho final : public Mode {
 public:
  // hangup_fd: an epoll instance the mode owns from now on.
  SockmapEcho(WorkerContext& ctx, std::unique_ptr<EchoProgram> program, int hangup_fd);
  ~SockmapEcho() override;

  void on_accept(int fd, int64_t now_ns) override;
  void on_completion(const io::Completion& c, int64_t now_ns) override;
  void on_timer(int64_t now_ns) override;
  int64_t next_deadline_ns() const override;
  void begin_drain(int64_t now_ns) override;
  bool drained() const override { return conns_.live() == 0; }
  void close_all() override;

  // After EOF (or a drain), how often the worker looks whether the echo has all gone out.
  static constexpr int64_t kFlushCheckNs = 5'000'000;
  // The kernel's egress redirect queues without bound: a client that sends but never reads
  // would make it hold everything sent. Every kSweepNs the worker reads each connection's
  // TCP_INFO and resets one whose unacknowledged echo passes kMaxUnechoedBytes.
  static constexpr int64_t kSweepNs = 100'000'000;
  // How soon a peer's close is noticed (one epoll_wait(0) per period while connections exist).
  static constexpr int64_t kHangupPollNs = 20'000'000;
  static constexpr uint64_t kMaxUnechoedBytes = 32u << 20;

 private:
  struct Conn : util::SlabEntry, util::DeadlineLink {
    int fd = -1;
    SockKey key;
    int64_t give_up_ns = 0;  // after EOF: close even if the peer never takes its echo
  };

  // True once the peer has acknowledged as many bytes as it sent (or the socket is dead).
  bool echo_done(Conn* c);
  void finish_when_flushed(Conn* c, int64_t now_ns);
  void close_conn(Conn* c);
  void sweep(int64_t now_ns);
  void poll_hangups(int64_t now_ns);

  stats::WorkerSlot& stats_;
  std::unique_ptr<EchoProgram> program_;
  int64_t linger_ns_;
  util::Slab<Conn> conns_;
  util::DeadlineList flush_checks_{kFlushCheckNs};
  int hangup_fd_;
  int64_t next_sweep_ns_ = 0;
  int64_t next_hangup_poll_ns_ = 0;
  bool draining_ = false;
  bool warned_user_bytes_ = false;
};

}  // namespace percore::server::sockmap
