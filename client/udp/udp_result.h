// The outcome of one `client udp` run: its judgement, text and JSON renderings, and the JSON read
// back (the input of `client merge`).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/result/run_identity.h"
#include "client/udp/udp_options.h"
#include "client/udp/udp_stats.h"

namespace percore::client {

// The identity (host, segment, start times) is the RunIdentity base, shared with http results.
struct UdpResult : RunIdentity {
  UdpOptions options;
  std::string backend;  // "epoll" or "uring"
  double elapsed_s = 0;
  UdpStats stats;
  std::vector<std::string> warnings;

  // Lost over what should have arrived: what was sent, or for a sink (which sends nothing) what
  // the senders' sequence numbers say they sent, i.e. every valid datagram plus the gaps.
  double lost_pct() const {
    uint64_t expected = options.sink ? stats.unique + stats.lost : stats.sent;
    return expected > 0 ? 100.0 * static_cast<double>(stats.lost) / static_cast<double>(expected)
                        : 0.0;
  }
  double per_s(uint64_t n) const { return elapsed_s > 0 ? static_cast<double>(n) / elapsed_s : 0; }
  double mbps(uint64_t bytes) const { return per_s(bytes) * 8 / 1e6; }
};

// Fills the warnings from the figures (replacing any): a -R that could not be kept, datagrams
// the kernel dropped at the client. A merge judges each host's result again with it.
void judge_udp(UdpResult* result);

std::string render_udp_text(const UdpResult& r);
std::string render_udp_json(const UdpResult& r);
// The JSON as nlohmann::json, for the merge to extend.
nlohmann::json udp_json(const UdpResult& r);

// True when `mode` (a result's JSON "mode") is one of client udp's.
bool is_udp_mode(const std::string& mode);
// False with a one-line reason when `text` is not a client udp result with its histogram.
bool read_udp_json(const std::string& text, UdpResult* out, std::string* error);

}  // namespace percore::client
