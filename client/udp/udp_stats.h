// What one `client udp` worker counted; the run merges them. In sink mode "rtt" holds the one-way
// transit time (sender and sink share the host's clock).
#pragma once

#include <array>
#include <cstdint>

#include "client/run/run_stats.h"
#include "core/stats/histogram.h"

namespace percore::client {

struct UdpStats {
  uint64_t sent = 0;  // datagrams the kernel took
  uint64_t sent_bytes = 0;
  uint64_t received = 0;  // every datagram that arrived, valid or not
  uint64_t received_bytes = 0;
  uint64_t unique = 0;  // valid and seen for the first time
  uint64_t duplicated = 0;
  uint64_t reordered = 0;     // arrived after a later one of its stream
  uint64_t late = 0;          // round trip above --timeout
  uint64_t too_old = 0;       // too far behind to tell new from duplicate (counted late too)
  uint64_t malformed = 0;     // shorter than the header, wrong size, or not ours
  uint64_t corrupt = 0;       // payload differs from what was sent
  uint64_t lost = 0;          // sent but never back (sink: gaps in the sequence numbers)
  uint64_t not_sent = 0;      // -R: due but not sent before the end (the client fell behind)
  uint64_t planned = 0;       // -R: datagrams due during the run = sent + failed + not_sent
  uint64_t kernel_drops = 0;  // at the client's own sockets (SO_RXQ_OVFL)
  std::array<uint64_t, kMaxErrno + 1> send_errors{};
  std::array<uint64_t, kMaxErrno + 1> recv_errors{};
  stats::Histogram rtt;

  void add_send_error(int err, uint64_t n) {
    send_errors[err > 0 && err <= kMaxErrno ? err : 0] += n;
  }
  void add_recv_error(int err) { ++recv_errors[err > 0 && err <= kMaxErrno ? err : 0]; }
  // Sends the kernel refused (each one datagram that never left): counted apart from `sent` and
  // from `not_sent`, so that planned = sent + send_failed() + not_sent.
  uint64_t send_failed() const {
    uint64_t n = 0;
    for (uint64_t e : send_errors) n += e;
    return n;
  }
  // ICMP port unreachable came back (on a send or a receive of the connected sockets).
  uint64_t refused() const;
  uint64_t errors() const {
    uint64_t n = 0;
    for (size_t i = 0; i < send_errors.size(); ++i) n += send_errors[i] + recv_errors[i];
    return n;
  }
  void merge(const UdpStats& o);
};

}  // namespace percore::client
