// --mode udp-relay: every datagram received on the -a sockets is forwarded to the -x backends,
// one per datagram in turn (--balance rr) or to all of them (--fanout), from one egress socket
// per worker bound to --bind-source. Backends' replies reaching the egress socket are counted and
// dropped: a relay, not a NAT. A failed send is counted for its backend by errno; the other
// backends never notice.
#pragma once

#include <vector>

#include "server/udp_mode.h"

namespace percore::server {

class UdpRelay final : public UdpMode {
 public:
  explicit UdpRelay(WorkerContext& ctx);

 private:
  void on_datagrams(int index, const io::Completion& c) override;
  void on_send_error(int index, const io::Completion& c) override;
  void forward(const char* data, uint32_t len);
  void flush();

  std::vector<io::PeerAddress> backends_;
  std::vector<io::OutDatagram> out_;
  int egress_ = -1;  // index of the egress socket
  size_t next_ = 0;  // rr position
};

}  // namespace percore::server
