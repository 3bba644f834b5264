#include "server/udp_relay.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "core/io/udp_offload.h"
#include "core/net/socket.h"
#include "core/net/udp_error_queue.h"

namespace percore::server {
namespace {

constexpr size_t kFlushAt = 256;
// Error-queue entries read per call: the queue is bounded by the receive buffer anyway, and what
// is left sets the socket's error again, which brings the next call.
constexpr int kMaxErrorsPerRead = 256;

net::Address any_address(int family) {
  net::Address a;
  std::string error;
  net::parse_address(family == AF_INET6 ? "[::]:0" : "0.0.0.0:0", &a, &error);
  return a;
}

// A hold shorter than the proxy's 3 s: UDP has no success signal, so the only way to learn that
// an upstream is back is to send it datagrams, and a wrong guess costs a datagram and one ICMP
// error, not a client's request.
constexpr int64_t kFirstHoldNs = 1'000'000'000;

// Errnos a send or receive on an unconnected UDP socket reports only when an ICMP error came in
// (the socket's pending error): the sign to read the error queue.
bool icmp_errno(int err) {
  return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN ||
         err == ENONET || err == EPROTO;
}

}  // namespace

UdpRelay::UdpRelay(WorkerContext& ctx)
    : UdpMode(ctx), health_(ctx.options->upstreams.size(), kFirstHoldNs) {
  for (int fd : ctx.datagram_fds) {
    if (int rc = add_socket(fd); rc < 0 && startup_error_.empty()) {
      startup_error_ = std::string("udp-relay: cannot register socket: ") + strerror(-rc);
    }
  }
  for (size_t u = 0; u < options_.upstreams.size(); ++u) {
    const net::Address& a = options_.upstreams[u];
    io::PeerAddress p{};
    std::memcpy(&p.addr, a.sa(), a.len);
    p.len = a.len;
    upstreams_.push_back(p);
    slot_.upstreams[u].configured.store(1, std::memory_order_relaxed);
    slot_.upstreams[u].up.store(1, std::memory_order_relaxed);
  }
  net::Address source = options_.bind_source.value_or(any_address(options_.upstreams[0].family()));
  int fd = net::bind_udp(source);
  if (fd >= 0) {
    net::set_udp_buffers(fd, 0, options_.sndbuf);
    if (int rc = net::enable_udp_error_queue(fd, source.family()); rc < 0) {
      spdlog::warn(
          "udp-relay: no ICMP errors on the egress socket ({}): dead backends stay in "
          "rotation",
          strerror(-rc));
    }
  }
  egress_ = fd < 0 ? fd : add_socket(fd);
  if (egress_ < 0 && startup_error_.empty()) {
    startup_error_ =
        fmt::format("udp-relay: cannot bind the egress socket to {}{}: {}", source.to_string(),
                    options_.bind_source ? " (--bind-source)" : "", strerror(-egress_));
  }
  out_.reserve(kFlushAt + upstreams_.size());
}

void UdpRelay::on_datagrams(int index, const io::Completion& c) {
  if (index == egress_) {
    uint64_t n = 0;
    io::for_each_datagram(c, [&](const char*, uint32_t) { ++n; });
    slot_.add(stats::kUdpIgnored, n);
    return;
  }
  health_.expire(now_ns_, [&](size_t u) { bring_back(u); });
  uint64_t packets = 0, bytes = 0;
  io::for_each_datagram(c, [&](const char* data, uint32_t len) {
    ++packets;
    bytes += len;
    forward(data, len);
  });
  slot_.add(stats::kUdpPacketsIn, packets);
  slot_.add(stats::kUdpBytesIn, bytes);
  // The data dies at the next wait(), and the event loop copies it: queue before returning.
  flush();
}

void UdpRelay::forward(const char* data, uint32_t len) {
  if (egress_ < 0) return;
  if (health_.up_count() == 0) {
    slot_.add(stats::kUdpNoBackend);
    return;
  }
  auto add = [&](size_t u) {
    out_.push_back(io::OutDatagram{data, len, &upstreams_[u], static_cast<uint32_t>(u)});
    slot_.upstreams[u].add(slot_.upstreams[u].requests);
  };
  auto advance = [&] { next_ = next_ + 1 == upstreams_.size() ? 0 : next_ + 1; };
  if (options_.fanout) {
    for (size_t u = 0; u < upstreams_.size(); ++u) {
      if (health_.up(u)) add(u);
    }
  } else {
    while (!health_.up(next_)) advance();  // ends: one upstream at least is up
    add(next_);
    advance();
  }
  if (out_.size() >= kFlushAt) flush();
}

void UdpRelay::flush() {
  if (out_.empty()) return;
  send(egress_, out_.data(), static_cast<int>(out_.size()));
  out_.clear();
}

void UdpRelay::on_send_error(int index, const io::Completion& c) {
  int err = -c.result;
  if (index == egress_ && icmp_errno(err)) read_errors();
  if (c.tag >= upstreams_.size()) return;
  // ECONNREFUSED on an unconnected socket is an earlier datagram's ICMP error surfacing on
  // whichever send came next: not this upstream's doing (read_errors() named the culprit).
  if (err == ECONNREFUSED) return;
  stats::UpstreamSlot& u = slot_.upstreams[c.tag];
  u.add(u.failures, c.count);
  u.add(u.udp_errors[stats::udp_errno_index(err)], c.count);
}

void UdpRelay::on_recv_error(int index, int err) {
  if (index == egress_ && icmp_errno(err)) read_errors();
}

void UdpRelay::on_timer(int64_t now_ns) {
  now_ns_ = now_ns;
  // A safety net: every ICMP error also fails the socket's next send or receive, which reads the
  // queue at once; this catches what might slip past.
  read_errors();
  health_.expire(now_ns, [&](size_t u) { bring_back(u); });
  UdpMode::on_timer(now_ns);
}

void UdpRelay::read_errors() {
  if (egress_ < 0) return;
  int fd = fds_[static_cast<size_t>(egress_)];
  net::UdpError e;
  for (int i = 0; i < kMaxErrorsPerRead && net::read_udp_error(fd, &e) > 0; ++i) {
    // Too big (EMSGSIZE) is about the path's MTU, not a dead upstream; local errors name none.
    if (!e.icmp || e.err == EMSGSIZE) continue;
    const auto* dest = reinterpret_cast<const sockaddr*>(&e.dest);
    for (size_t u = 0; u < upstreams_.size(); ++u) {
      if (!net::same_endpoint(&upstreams_[u].addr.sa, dest)) continue;
      slot_.add(stats::kBackendUnreachable);
      slot_.upstreams[u].add(slot_.upstreams[u].unreachable);
      hold_down(u, e.err);
      break;
    }
  }
}

void UdpRelay::hold_down(size_t u, int err) {
  int64_t hold_ns = health_.fail(u, now_ns_);
  if (hold_ns == 0) return;  // held down already (the hold restarted): one log line per transition
  slot_.upstreams[u].up.store(0, std::memory_order_relaxed);
  spdlog::warn("udp-relay: backend {} unreachable ({}): out of rotation for {} ms",
               options_.upstreams[u].to_string(), strerror(err), hold_ns / 1'000'000);
  if (health_.up_count() == 0) {
    spdlog::warn("udp-relay: every backend is out of rotation: dropping datagrams");
  }
}

void UdpRelay::bring_back(size_t u) {
  slot_.upstreams[u].up.store(1, std::memory_order_relaxed);
  spdlog::info("udp-relay: backend {} back in rotation", options_.upstreams[u].to_string());
}

}  // namespace percore::server
