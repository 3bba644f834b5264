// TCP echo with no byte in user space: each accepted connection is put into this worker's
// SOCKHASH, whose sk_skb verdict program sends every received skb back out of the same socket.
// The worker keeps the socket registered with its event loop only to learn that the peer
// closed (receive completes with EOF: no data ever reaches it), then closes once everything the
// peer sent has been echoed and acknowledged.
#pragma once

#include <memory>

#include "core/util/deadline_list.h"
#include "core/util/slab.h"
#include "server/mode.h"
#include "server/sockmap/echo_program.h"

namespace percore::server::sockmap {

class SockmapEcho final : public Mode {
 public:
  SockmapEcho(WorkerContext& ctx, std::unique_ptr<EchoProgram> program);
  ~SockmapEcho() override;

  void on_accept(int fd, int64_t now_ns) override;
  void on_completion(const io::Completion& c, int64_t now_ns) override;
  void on_timer(int64_t now_ns) override;
  int64_t next_deadline_ns() const override { return flush_checks_.next_deadline(); }
  void begin_drain(int64_t now_ns) override;
  bool drained() const override { return conns_.live() == 0; }
  void close_all() override;

  // After EOF (or a drain), how often the worker looks whether the echo has all gone out.
  static constexpr int64_t kFlushCheckNs = 5'000'000;

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

  io::Backend& backend_;
  stats::WorkerSlot& stats_;
  std::unique_ptr<EchoProgram> program_;
  int64_t linger_ns_;
  util::Slab<Conn> conns_;
  util::DeadlineList flush_checks_{kFlushCheckNs};
  bool draining_ = false;
  bool warned_user_bytes_ = false;
};

}  // namespace percore::server::sockmap
