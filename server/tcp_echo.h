// TCP echo mode (RFC 862): every byte received is sent back, in order, on any number of
// connections. A client that sends but does not read is not buffered without bound: the
// connection stops being read until its echo drains.
#pragma once

#include "core/io/send_queue.h"
#include "core/util/deadline_list.h"
#include "core/util/slab.h"
#include "server/mode.h"

namespace percore::server {

class TcpEcho final : public Mode {
 public:
  explicit TcpEcho(WorkerContext& ctx);
  ~TcpEcho() override;

  void on_accept(int fd, int64_t now_ns) override;
  void on_completion(const io::Completion& c, int64_t now_ns) override;
  void on_timer(int64_t now_ns) override;
  int64_t next_deadline_ns() const override { return idle_timers_.next_deadline(); }
  void begin_drain(int64_t now_ns) override;
  bool drained() const override { return conns_.live() == 0; }
  void close_all() override;

  // Unsent echo bytes per connection beyond which reading stops (back-pressure).
  static constexpr size_t kMaxPendingBytes = 256 << 10;
  // Receives at least this large are echoed out of the lent receive buffer (Backend::lend).
  static constexpr size_t kLendMinBytes = 512;

 private:
  struct Conn : util::SlabEntry, util::DeadlineLink {
    int fd = -1;
    io::SendQueue out;
    bool recv_paused = false;
    bool peer_closed = false;
  };

  void on_recv(Conn* c, const io::Completion& comp, int64_t now_ns);
  void on_sent(Conn* c, int result);
  void flush(Conn* c);
  void close_conn(Conn* c);

  io::Backend& backend_;
  stats::WorkerSlot& stats_;
  util::Slab<Conn> conns_;
  util::DeadlineList idle_timers_;
  bool draining_ = false;
};

}  // namespace percore::server
