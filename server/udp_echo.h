// --mode udp-echo: every datagram goes back to its sender unchanged, from the socket it came in
// on; runs of equal-sized datagrams from one sender leave as one GSO send.
#pragma once

#include "server/udp_mode.h"

namespace percore::server {

class UdpEcho final : public UdpMode {
 public:
  explicit UdpEcho(WorkerContext& ctx);

 private:
  void on_datagrams(int index, const io::Completion& c) override;
};

}  // namespace percore::server
