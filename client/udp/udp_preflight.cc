#include "client/udp/udp_preflight.h"

#include <fmt/format.h>

#include <algorithm>

#include "client/os/errno_name.h"
#include "client/udp/udp_packet.h"
#include "client/udp/udp_socket.h"
#include "core/util/clock.h"

namespace percore::client {
namespace {

// Loopback and LAN answer with ICMP in microseconds; longer would delay every run against a
// target that never answers (a relay).
constexpr int64_t kProbeWaitNs = 100 * util::kNsPerMs;

}  // namespace

bool udp_preflight(const UdpOptions& o, std::string* message) {
  if (o.sink) return true;
  // A header-only datagram of the probe stream: a sink behind a relay recognises and skips it.
  char probe[kUdpHeaderBytes];
  write_datagram(probe, sizeof(probe), make_seq(kProbeStream, 0), util::now_ns());
  int err = probe_udp_target(o.target, probe, sizeof(probe), std::min(o.timeout_ns, kProbeWaitNs));
  if (err == 0) return true;
  *message =
      fmt::format("{} refuses datagrams: {}{}", o.target.to_string(), errno_text(err),
                  err == ECONNREFUSED ? " (ICMP port unreachable: nothing listens there)" : "");
  return false;
}

}  // namespace percore::client
