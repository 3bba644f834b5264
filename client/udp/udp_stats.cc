#include "client/udp/udp_stats.h"

#include <cerrno>

namespace percore::client {

uint64_t UdpStats::refused() const {
  return send_errors[ECONNREFUSED] + recv_errors[ECONNREFUSED];
}

void UdpStats::merge(const UdpStats& o) {
  // Every count adds up across threads and hosts.
  static constexpr uint64_t UdpStats::*kSummed[] = {
      &UdpStats::sent,           &UdpStats::sent_bytes, &UdpStats::received,
      &UdpStats::received_bytes, &UdpStats::unique,     &UdpStats::duplicated,
      &UdpStats::reordered,      &UdpStats::late,       &UdpStats::too_old,
      &UdpStats::malformed,      &UdpStats::corrupt,    &UdpStats::lost,
      &UdpStats::not_sent,       &UdpStats::planned,    &UdpStats::kernel_drops,
  };
  for (uint64_t UdpStats::*count : kSummed) this->*count += o.*count;
  for (size_t i = 0; i < send_errors.size(); ++i) {
    send_errors[i] += o.send_errors[i];
    recv_errors[i] += o.recv_errors[i];
  }
  rtt.merge(o.rtt);
}

}  // namespace percore::client
