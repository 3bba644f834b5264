#include "client/udp/udp_stats.h"

#include <cerrno>

namespace percore::client {

uint64_t UdpStats::refused() const {
  return send_errors[ECONNREFUSED] + recv_errors[ECONNREFUSED];
}

void UdpStats::merge(const UdpStats& o) {
  sent += o.sent;
  sent_bytes += o.sent_bytes;
  received += o.received;
  received_bytes += o.received_bytes;
  unique += o.unique;
  duplicated += o.duplicated;
  reordered += o.reordered;
  late += o.late;
  too_old += o.too_old;
  malformed += o.malformed;
  corrupt += o.corrupt;
  lost += o.lost;
  not_sent += o.not_sent;
  planned += o.planned;
  kernel_drops += o.kernel_drops;
  for (size_t i = 0; i < send_errors.size(); ++i) {
    send_errors[i] += o.send_errors[i];
    recv_errors[i] += o.recv_errors[i];
  }
  rtt.merge(o.rtt);
}

}  // namespace percore::client
