#include "server/udp_mode.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>

namespace percore::server {

UdpMode::UdpMode(WorkerContext& ctx)
    : backend_(*ctx.backend), slot_(*ctx.slot), options_(*ctx.options) {}

UdpMode::~UdpMode() {
  close_all();
}

int UdpMode::add_socket(int fd) {
  int index = static_cast<int>(fds_.size());
  if (int rc = backend_.open_datagram(fd, static_cast<uint64_t>(index)); rc < 0) {
    ::close(fd);
    return rc;
  }
  fds_.push_back(fd);
  slot_.add_active(1);
  return index;
}

void UdpMode::on_accept(int fd, int64_t) {
  ::close(fd);  // UDP modes have no listeners; nothing to accept
}

void UdpMode::on_completion(const io::Completion& c, int64_t now_ns) {
  if (c.token >= fds_.size()) return;
  now_ns_ = now_ns;
  int index = static_cast<int>(c.token);
  if (c.op == io::Op::kRecvFrom) {
    if (c.result < 0) {
      slot_.add(stats::kUdpRecvErrors);
      slot_.add_udp_error(-c.result);
      on_recv_error(index, -c.result);
      return;
    }
    on_datagrams(index, c);
  } else if (c.op == io::Op::kSendTo) {
    if (c.result >= 0) {
      slot_.add(stats::kUdpPacketsOut, static_cast<uint64_t>(c.result));
    } else {
      slot_.add(stats::kUdpSendErrors, c.count);
      slot_.add_udp_error(-c.result, c.count);
      on_send_error(index, c);
    }
  }
}

void UdpMode::on_send_error(int, const io::Completion&) {}

void UdpMode::on_recv_error(int, int) {}

void UdpMode::send(int index, const io::OutDatagram* batch, int count) {
  int taken = backend_.send_datagrams(fds_[static_cast<size_t>(index)], batch, count);
  if (taken < 0) taken = 0;
  uint64_t bytes = 0;
  for (int i = 0; i < taken; ++i) bytes += batch[i].len;
  slot_.add(stats::kUdpBytesOut, bytes);
  if (taken < count) slot_.add(stats::kUdpQueueFull, static_cast<uint64_t>(count - taken));
}

void UdpMode::on_timer(int64_t now_ns) {
  now_ns_ = now_ns;
  io::DatagramStats st = backend_.datagram_stats();
  slot_.set(stats::kUdpKernelDrops, st.kernel_drops);
  slot_.set(stats::kUdpSyscalls, st.syscalls);
}

void UdpMode::begin_drain(int64_t now_ns) {
  on_timer(now_ns);
  close_all();
}

void UdpMode::close_all() {
  for (int fd : fds_) backend_.close(fd);
  slot_.add_active(-static_cast<int64_t>(fds_.size()));
  fds_.clear();
}

}  // namespace percore::server
