// UDP segmentation offloads, probed once per process: GSO (UDP_SEGMENT, Linux 4.18) lets one send
// carry a run of equal-sized datagrams, GRO (UDP_GRO, 5.0) lets one receive carry several.
#pragma once

#include "core/net/sys.h"

#include <cstdint>

namespace percore::io {

struct UdpOffload {
  bool gso = false;
  bool gro = false;
};

// What this kernel offers, minus what PERCORE_UDP_GSO=0 / PERCORE_UDP_GRO=0 turned off. The first
// call probes and logs the outcome once.
const UdpOffload& udp_offload();

// Largest segment a GSO run may use: one datagram of it must fit a 1500-byte MTU on any path.
inline constexpr uint32_t kMaxGsoSegment = 1452;
inline constexpr int kMaxGsoSegments = 64;
// The most payload one UDP send (or one GSO run) may carry over IPv4.
inline constexpr uint32_t kMaxUdpPayload = 65507;
// The most one datagram may carry at all: IPv6's 65535-byte payload length less the UDP header
// (the IPv4 limit above is the kernel's to enforce, as EMSGSIZE). Receive buffers and send slots
// are 64 KiB, so every valid datagram of either family fits them.
inline constexpr uint32_t kMaxUdpPayloadV6 = 65527;

// Sets what a backend's datagram socket needs: SO_RXQ_OVFL (kernel drop counts) and, when
// available, UDP_GRO. Returns 0 or -errno.
int prepare_datagram_socket(int fd);

// What the control messages of one receive said: the socket's kernel drop count so far
// (SO_RXQ_OVFL) and the GRO segment size (0: one datagram).
struct DatagramControl {
  uint32_t drops = 0;
  bool has_drops = false;
  uint16_t segment = 0;
};
void read_control_message(const struct cmsghdr* c, DatagramControl* out);

}  // namespace percore::io
