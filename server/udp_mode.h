// What the UDP modes share: the worker's datagram sockets on the backend, the packet, byte,
// error-by-errno and kernel-drop counters, and a send that counts what the backend could not take.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/io/backend.h"
#include "server/mode.h"

namespace percore::server {

class UdpMode : public Mode {
 public:
  explicit UdpMode(WorkerContext& ctx);
  ~UdpMode() override;

  void on_accept(int fd, int64_t now_ns) override;
  void on_completion(const io::Completion& c, int64_t now_ns) override;
  void on_timer(int64_t now_ns) override;
  int64_t next_deadline_ns() const override { return INT64_MAX; }
  // Datagrams have no requests in flight: a stop closes the sockets at once.
  void begin_drain(int64_t now_ns) override;
  bool drained() const override { return fds_.empty(); }
  void close_all() override;
  std::string startup_error() const override { return startup_error_; }

 protected:
  // Registers a socket with the backend; returns its index (the token) or -errno.
  int add_socket(int fd);
  // A datagram (or a GRO run of them) arrived on socket `index`.
  virtual void on_datagrams(int index, const io::Completion& c) = 0;
  // A send from socket `index` failed for c.count datagrams tagged c.tag.
  virtual void on_send_error(int index, const io::Completion& c);
  // A receive on socket `index` failed with errno `err` (the socket keeps receiving).
  virtual void on_recv_error(int index, int err);
  // Queues datagrams on socket `index`, counting bytes out and what did not fit.
  void send(int index, const io::OutDatagram* batch, int count);

  io::Backend& backend_;
  stats::WorkerSlot& slot_;
  const ServerOptions& options_;
  std::vector<int> fds_;
  std::string startup_error_;  // the first set-up failure (see Mode::startup_error)
  int64_t now_ns_ = 0;         // the loop's clock at the completion being handled
};

}  // namespace percore::server
