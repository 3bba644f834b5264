#include "client/udp_merge.h"

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

}  // namespace

MergedUdp merge_udp_runs(std::vector<UdpResult> hosts, std::vector<std::string> sources) {
  MergedUdp m;
  m.hosts = std::move(hosts);
  m.sources = std::move(sources);
  m.sources.resize(m.hosts.size());
  UdpResult& t = m.total;
  const UdpResult& first = m.hosts.front();
  t.options = first.options;
  UdpOptions& o = t.options;
  o.threads = 0;
  o.total_sockets = 0;
  o.rate = 0;
  o.first_stream = 0;
  o.segment = Segment{};
  t.backend = first.backend;
  t.start_unix_ms = INT64_MAX;
  t.start_at_unix_ms = first.start_at_unix_ms;
  std::vector<std::string> host_warnings;
  for (size_t i = 0; i < m.hosts.size(); ++i) {
    UdpResult& h = m.hosts[i];
    // Judged again from the data, the same way a single run judges itself.
    judge_udp(&h);
    if (std::string late = late_start_warning(h); !late.empty()) h.warnings.push_back(late);
    for (const std::string& w : h.warnings) {
      host_warnings.push_back(fmt::format("{}: {}", host_label(h, m.sources[i]), w));
    }
    t.stats.merge(h.stats);
    if (h.backend != t.backend) t.backend = "mixed";
    if (h.options.target_text != o.target_text) o.target_text = "several targets";
    if (h.options.length != o.length) o.length = 0;
    o.threads += h.options.threads;
    o.total_sockets += h.options.total_sockets;
    o.rate += h.options.rate;
    t.elapsed_s = std::max(t.elapsed_s, h.elapsed_s);
    if (h.start_unix_ms != 0) t.start_unix_ms = std::min(t.start_unix_ms, h.start_unix_ms);
    t.late_start_ms = std::max(t.late_start_ms, h.late_start_ms);
  }
  if (t.start_unix_ms == INT64_MAX) t.start_unix_ms = 0;
  t.host = fmt::format("{} hosts", m.hosts.size());
  std::vector<const RunIdentity*> ids;
  for (const UdpResult& h : m.hosts) ids.push_back(&h);
  judge_hosts(ids, &t.warnings);
  t.warnings.insert(t.warnings.end(), host_warnings.begin(), host_warnings.end());
  return m;
}

std::string render_udp_hosts_text(const MergedUdp& m) {
  std::string out = fmt::format("  hosts       {} merged\n", m.hosts.size());
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
