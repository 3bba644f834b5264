#include "client/udp_result.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "client/duration.h"
#include "client/run_stats.h"

namespace percore::client {
namespace {

struct Quantile {
  const char* name;
  double percentile;
};
constexpr Quantile kQuantiles[] = {
    {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}, {"p99.99", 99.99}};

std::string errno_list(const std::array<uint64_t, kMaxErrno + 1>& counts) {
  std::string out;
  for (size_t e = 0; e < counts.size(); ++e) {
    if (counts[e] > 0) out += fmt::format(" {} {}", errno_name(static_cast<int>(e)), counts[e]);
  }
  return out;
}

nlohmann::json errno_json(const std::array<uint64_t, kMaxErrno + 1>& counts) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t e = 0; e < counts.size(); ++e) {
    if (counts[e] > 0) j[errno_name(static_cast<int>(e))] = counts[e];
  }
  return j;
}

}  // namespace

std::string render_udp_text(const UdpResult& r) {
  const UdpOptions& o = r.options;
  const UdpStats& s = r.stats;
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "client udp{} {}: {} thread(s) x {} socket(s), {} bytes per datagram, ",
                 o.sink ? " --sink" : "", o.target_text, o.threads, o.sockets, o.length);
  if (o.sink) {
    fmt::format_to(it, "{:.1f}s, io {}\n", r.elapsed_s, r.backend);
  } else {
    fmt::format_to(it, "rate {}, {:.1f}s, io {}\n",
                   o.rate > 0 ? fmt::format("{:.0f}/s", o.rate) : "as fast as possible",
                   r.elapsed_s, r.backend);
    fmt::format_to(it, "  sent       {:>12}  {:>12.0f} pkt/s  {:>9.1f} Mbps", s.sent,
                   r.per_s(s.sent), r.mbps(s.sent_bytes));
    if (o.rate > 0) fmt::format_to(it, "  (planned {}, not sent {})", s.planned, s.not_sent);
    fmt::format_to(it, "\n");
  }
  fmt::format_to(it, "  received   {:>12}  {:>12.0f} pkt/s  {:>9.1f} Mbps  (unique {})\n",
                 s.received, r.per_s(s.received), r.mbps(s.received_bytes), s.unique);
  fmt::format_to(it, "  lost       {:>12}  ({:.3f}%){}\n", s.lost, r.lost_pct(),
                 o.sink ? "  (gaps in the sequence numbers)" : "");
  fmt::format_to(it,
                 "  duplicated {}  reordered {}  late {}  malformed {}  corrupt {}  "
                 "kernel drops here {}\n",
                 s.duplicated, s.reordered, s.late, s.malformed, s.corrupt, s.kernel_drops);
  if (s.errors() > 0) {
    fmt::format_to(it, "  errors    {}{}\n", errno_list(s.send_errors), errno_list(s.recv_errors));
  }
  if (s.rtt.count() > 0) {
    fmt::format_to(it, "  {} ", o.sink ? "transit" : "rtt    ");
    for (const Quantile& q : kQuantiles) {
      fmt::format_to(it, " {} {}", q.name,
                     format_duration(s.rtt.value_at_percentile(q.percentile)));
    }
    fmt::format_to(it, "  max {}\n", format_duration(s.rtt.max()));
  }
  return out;
}

std::string render_udp_json(const UdpResult& r) {
  const UdpOptions& o = r.options;
  const UdpStats& s = r.stats;
  nlohmann::json j;
  j["mode"] = o.sink ? "udp-sink" : "udp";
  j["target"] = o.target_text;
  j["io"] = r.backend;
  j["threads"] = o.threads;
  j["sockets_per_thread"] = o.sockets;
  j["length"] = o.length;
  j["rate"] = o.rate;
  j["duration_s"] = r.elapsed_s;
  j["sent"] = s.sent;
  j["received"] = s.received;
  j["unique"] = s.unique;
  j["lost"] = s.lost;
  j["lost_pct"] = r.lost_pct();
  j["duplicated"] = s.duplicated;
  j["reordered"] = s.reordered;
  j["late"] = s.late;
  j["malformed"] = s.malformed;
  j["corrupt"] = s.corrupt;
  j["planned"] = s.planned;
  j["not_sent"] = s.not_sent;
  j["kernel_drops"] = s.kernel_drops;
  j["pps_sent"] = r.per_s(s.sent);
  j["pps_received"] = r.per_s(s.received);
  j["mbps_sent"] = r.mbps(s.sent_bytes);
  j["mbps_received"] = r.mbps(s.received_bytes);
  j["send_errors"] = errno_json(s.send_errors);
  j["recv_errors"] = errno_json(s.recv_errors);
  nlohmann::json lat;
  for (const Quantile& q : kQuantiles) {
    lat[q.name] = static_cast<double>(s.rtt.value_at_percentile(q.percentile)) / 1e3;
  }
  lat["max"] = static_cast<double>(s.rtt.max()) / 1e3;
  lat["mean"] = s.rtt.mean() / 1e3;
  lat["count"] = s.rtt.count();
  j[o.sink ? "transit_us" : "rtt_us"] = lat;
  j["warnings"] = r.warnings;
  return j.dump(2) + "\n";
}

}  // namespace percore::client
