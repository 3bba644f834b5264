// The outcome of one `client udp` run, and its text and JSON renderings.
#pragma once

#include <string>
#include <vector>

#include "client/udp_options.h"
#include "client/udp_stats.h"

namespace percore::client {

struct UdpResult {
  UdpOptions options;
  std::string backend;  // "epoll" or "uring"
  double elapsed_s = 0;
  UdpStats stats;
  std::vector<std::string> warnings;

  double lost_pct() const {
    return stats.sent > 0
               ? 100.0 * static_cast<double>(stats.lost) / static_cast<double>(stats.sent)
               : 0.0;
  }
  double per_s(uint64_t n) const { return elapsed_s > 0 ? static_cast<double>(n) / elapsed_s : 0; }
  double mbps(uint64_t bytes) const { return per_s(bytes) * 8 / 1e6; }
};

std::string render_udp_text(const UdpResult& r);
std::string render_udp_json(const UdpResult& r);

}  // namespace percore::client
