#include "server/udp_relay.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "core/io/udp_offload.h"
#include "core/net/socket.h"

namespace percore::server {
namespace {

constexpr size_t kFlushAt = 256;

net::Address any_address(int family) {
  net::Address a;
  std::string error;
  net::parse_address(family == AF_INET6 ? "[::]:0" : "0.0.0.0:0", &a, &error);
  return a;
}

}  // namespace

UdpRelay::UdpRelay(WorkerContext& ctx) : UdpMode(ctx) {
  for (int fd : ctx.datagram_fds) {
    if (int rc = add_socket(fd); rc < 0 && startup_error_.empty()) {
      startup_error_ = std::string("udp-relay: cannot register socket: ") + strerror(-rc);
    }
  }
  for (size_t b = 0; b < options_.upstreams.size(); ++b) {
    const net::Address& a = options_.upstreams[b];
    io::PeerAddress p{};
    std::memcpy(&p.addr, a.sa(), a.len);
    p.len = a.len;
    backends_.push_back(p);
    slot_.upstreams[b].configured.store(1, std::memory_order_relaxed);
    slot_.upstreams[b].up.store(1, std::memory_order_relaxed);
  }
  net::Address source = options_.bind_source.value_or(any_address(options_.upstreams[0].family()));
  int fd = net::bind_udp(source);
  if (fd >= 0) net::set_udp_buffers(fd, 0, options_.sndbuf);
  egress_ = fd < 0 ? fd : add_socket(fd);
  if (egress_ < 0 && startup_error_.empty()) {
    startup_error_ =
        fmt::format("udp-relay: cannot bind the egress socket to {}{}: {}", source.to_string(),
                    options_.bind_source ? " (--bind-source)" : "", strerror(-egress_));
  }
  out_.reserve(kFlushAt + backends_.size());
}

void UdpRelay::on_datagrams(int index, const io::Completion& c) {
  if (index == egress_) {
    uint64_t n = 0;
    io::for_each_datagram(c, [&](const char*, uint32_t) { ++n; });
    slot_.add(stats::kUdpIgnored, n);
    return;
  }
  uint64_t packets = 0, bytes = 0;
  io::for_each_datagram(c, [&](const char* data, uint32_t len) {
    ++packets;
    bytes += len;
    forward(data, len);
  });
  slot_.add(stats::kUdpPacketsIn, packets);
  slot_.add(stats::kUdpBytesIn, bytes);
  // The data dies at the next wait(), and the backend copies it: queue before returning.
  flush();
}

void UdpRelay::forward(const char* data, uint32_t len) {
  if (egress_ < 0) return;
  auto add = [&](size_t b) {
    out_.push_back(io::OutDatagram{data, len, &backends_[b], static_cast<uint32_t>(b)});
    slot_.upstreams[b].add(slot_.upstreams[b].requests);
  };
  if (options_.fanout) {
    for (size_t b = 0; b < backends_.size(); ++b) add(b);
  } else {
    add(next_);
    next_ = next_ + 1 == backends_.size() ? 0 : next_ + 1;
  }
  if (out_.size() >= kFlushAt) flush();
}

void UdpRelay::flush() {
  if (out_.empty()) return;
  send(egress_, out_.data(), static_cast<int>(out_.size()));
  out_.clear();
}

void UdpRelay::on_send_error(int, const io::Completion& c) {
  if (c.tag >= backends_.size()) return;
  stats::UpstreamSlot& b = slot_.upstreams[c.tag];
  b.add(b.failures, c.count);
  b.add(b.udp_errors[stats::udp_errno_index(-c.result)], c.count);
}

}  // namespace percore::server
