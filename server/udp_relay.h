// --mode udp-relay: every datagram received on the -a sockets is forwarded to the -x upstreams,
// one per datagram in turn (--balance rr) or to all of them (--fanout), from one egress socket
// per worker bound to --bind-source. Upstreams' replies reaching the egress socket are counted and
// dropped: a relay, not a NAT. A failed send is counted for its upstream by errno; the other
// upstreams never notice. The egress socket reads ICMP errors (IP_RECVERR): an upstream that is
// unreachable is held out of rotation for a while (UpstreamHoldDown, the proxy's rule), and with
// every upstream held out datagrams are dropped and counted, never sent into the void. Metrics
// and log lines say "backend", as the proxy's do.
#pragma once

#include <vector>

#include "server/udp_mode.h"
#include "server/upstream_holddown.h"

namespace percore::server {

class UdpRelay final : public UdpMode {
 public:
  explicit UdpRelay(WorkerContext& ctx);

  void on_timer(int64_t now_ns) override;
  // Wakes the loop when a held-down upstream is due back, so that it rejoins (and says so) on
  // time even without traffic.
  int64_t next_deadline_ns() const override { return health_.next_expiry_ns(); }

 private:
  void on_datagrams(int index, const io::Completion& c) override;
  void on_send_error(int index, const io::Completion& c) override;
  void on_recv_error(int index, int err) override;
  void forward(const char* data, uint32_t len);
  void flush();
  // Empties the egress socket's error queue, holding down each upstream an ICMP error names.
  void read_errors();
  void hold_down(size_t u, int err);
  void bring_back(size_t u);

  std::vector<io::PeerAddress> upstreams_;
  std::vector<io::OutDatagram> out_;
  UpstreamHoldDown health_;
  int egress_ = -1;  // index of the egress socket
  size_t next_ = 0;  // rr position
};

}  // namespace percore::server
