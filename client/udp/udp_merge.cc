#include "client/multi_host/merge.h"

#include <algorithm>

#include <fmt/format.h>

namespace percore::client {
namespace {

// Datagrams the kernel took per second of the host's own sending time.
double achieved(const UdpResult& h) {
  return h.per_s(h.stats.sent);
}

std::string achieved_share(const UdpResult& h) {
  if (h.options.sink || h.options.rate <= 0) return "-";
  return fmt::format("{:.1f}%", 100 * achieved(h) / h.options.rate);
}

UdpResult start(const UdpResult& first) {
  UdpResult t;
  t.options = first.options;
  UdpOptions& o = t.options;
  o.threads = 0;
  o.total_sockets = 0;
  o.rate = 0;
  o.first_stream = 0;
  o.segment = Segment{};
  return t;
}

void add(UdpResult* t, const UdpResult& h) {
  UdpOptions& o = t->options;
  t->stats.merge(h.stats);
  if (h.options.target_text != o.target_text) o.target_text = "several targets";
  if (h.options.length != o.length) o.length = 0;
  o.threads += h.options.threads;
  o.total_sockets += h.options.total_sockets;
  o.rate += h.options.rate;
  t->elapsed_s = std::max(t->elapsed_s, h.elapsed_s);
}

constexpr HostMerge<UdpResult> kUdpMerge{start, judge_udp, add, nullptr};

}  // namespace

MergedUdp merge_udp_runs(std::vector<UdpResult> hosts, std::vector<std::string> sources) {
  return merge_hosts(kUdpMerge, std::move(hosts), std::move(sources));
}

std::string render_udp_hosts_text(const MergedUdp& m) {
  std::string out = hosts_heading(m.hosts.size());
  out += fmt::format("    {:<28} {:>8} {:>11} {:>11} {:>9} {:>9} {:>11} {:>9} {:>9}\n", "host",
                     "segment", "sent", "received", "lost", "measured", "sent pkt/s", "achieved",
                     "late");
  for (size_t i = 0; i < m.hosts.size(); ++i) {
    const UdpResult& h = m.hosts[i];
    std::string name = h.host.empty() ? m.sources[i] : h.host;
    out += fmt::format(
        "    {:<28} {:>8} {:>11} {:>11} {:>9} {:>8.2f}s {:>11.1f} {:>9} {:>7.0f}ms\n", name,
        fmt::format("{}/{}", h.segment_index + 1, h.segment_count), h.stats.sent, h.stats.unique,
        h.stats.lost, h.elapsed_s, achieved(h), achieved_share(h), h.late_start_ms);
  }
  return out;
}

nlohmann::json udp_hosts_json(const MergedUdp& m) {
  nlohmann::json hosts = nlohmann::json::array();
  for (size_t i = 0; i < m.hosts.size(); ++i) {
    const UdpResult& h = m.hosts[i];
    hosts.push_back({{"source", m.sources[i]},
                     {"host", h.host},
                     {"segment", {{"index", h.segment_index + 1}, {"count", h.segment_count}}},
                     {"sent", h.stats.sent},
                     {"received", h.stats.received},
                     {"unique", h.stats.unique},
                     {"lost", h.stats.lost},
                     {"kernel_drops", h.stats.kernel_drops},
                     {"duration_s", h.elapsed_s},
                     {"target_rate", h.options.rate},
                     {"achieved_rate", achieved(h)},
                     {"pps_received", h.per_s(h.stats.unique)},
                     {"start_unix_ms", h.start_unix_ms},
                     {"late_start_ms", h.late_start_ms},
                     {"warnings", h.warnings}});
  }
  return hosts;
}

}  // namespace percore::client
