#include "client/udp/udp_result.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "client/flags/duration.h"
#include "client/result/json_fields.h"
#include "client/run/run_stats.h"
#include "core/stats/histogram_json.h"

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

// Errno names back to numbers ("EAGAIN" -> 11); false for a name this build does not know.
bool read_errno_counts(const nlohmann::json& j, std::array<uint64_t, kMaxErrno + 1>* out) {
  for (const auto& [name, n] : j.items()) {
    bool known = false;
    for (int e = 0; e <= kMaxErrno && !known; ++e) {
      if (errno_name(e) == name) {
        (*out)[static_cast<size_t>(e)] += n.get<uint64_t>();
        known = true;
      }
    }
    if (!known) return false;
  }
  return true;
}

// Below this share of the planned datagrams, the run did not measure the asked-for load.
constexpr double kKeptRate = 0.99;

// The stored fields of a udp result: written by udp_json, read back by read_udp_json
// (client/result/json_fields.h). R is UdpResult or const UdpResult.
template <class R, class Field>
void udp_fields(R& r, Field&& f) {
  auto& o = r.options;
  auto& s = r.stats;
  f("/target", o.target_text);
  f("/io", r.backend);
  f("/threads", o.threads);
  f("/sockets_per_thread", o.sockets);  // -k as given
  f("/sockets", o.total_sockets);
  f("/first_stream", o.first_stream);
  f("/timeout_s", InUnit{o.timeout_ns, 1e9});
  f("/length", o.length);
  f("/rate", o.rate);
  f("/duration_s", r.elapsed_s, Need::kRequired);
  f("/sent", s.sent, Need::kRequired);
  f("/received", s.received, Need::kRequired);
  f("/unique", s.unique, Need::kRequired);
  f("/lost", s.lost, Need::kRequired);
  f("/duplicated", s.duplicated);
  f("/reordered", s.reordered);
  f("/late", s.late);
  f("/too_old", s.too_old);
  f("/malformed", s.malformed);
  f("/corrupt", s.corrupt);
  f("/planned", s.planned);
  f("/not_sent", s.not_sent);
  f("/kernel_drops", s.kernel_drops);
  f("/sent_bytes", s.sent_bytes);
  f("/received_bytes", s.received_bytes);
  f("/warnings", r.warnings);
}

}  // namespace

void judge_udp(UdpResult* r) {
  const UdpOptions& o = r->options;
  const UdpStats& s = r->stats;
  r->warnings.clear();
  // Why datagrams did not go out: the kernel refused the sends (named by errno, ICMP port
  // unreachable spelled out) and/or the client fell behind its schedule.
  std::string causes;
  if (s.send_failed() > 0) {
    causes +=
        fmt::format("{} sends failed ({})", s.send_failed(), errno_list(s.send_errors).substr(1));
  }
  if (s.not_sent > 0) {
    causes += fmt::format("{}{} never left the client (it fell behind the schedule)",
                          causes.empty() ? "" : ", ", s.not_sent);
  }
  if (!o.sink && o.rate > 0 && s.planned > 0 &&
      static_cast<double>(s.sent) < kKeptRate * static_cast<double>(s.planned)) {
    r->warnings.push_back(fmt::format(
        "could not keep -R {:.0f}/s: sent {} of {} planned datagrams ({:.1f}%): {}; the figures "
        "describe a lighter load than asked for",
        o.rate, s.sent, s.planned,
        100.0 * static_cast<double>(s.sent) / static_cast<double>(s.planned),
        causes.empty() ? "no cause counted" : causes));
  }
  if (!o.sink && s.refused() > 0) {
    r->warnings.push_back(fmt::format(
        "the target refused {} datagrams: ICMP port unreachable came back from {} (nothing "
        "listens there, or it stopped during the run)",
        s.refused(), o.target_text));
  }
  if (s.kernel_drops > 0) {
    r->warnings.push_back(fmt::format(
        "the kernel dropped {} datagrams at the client's own sockets (receive buffer full): "
        "raise --rcvbuf or use more -t/-k",
        s.kernel_drops));
  }
}

std::string render_udp_text(const UdpResult& r) {
  const UdpOptions& o = r.options;
  const UdpStats& s = r.stats;
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "client udp{} {}: {} thread(s), {} socket(s), ", o.sink ? " --sink" : "",
                 o.target_text, o.threads, o.total_sockets);
  // A sink sends nothing: -l is not what it saw, so it reports the mean size it received.
  if (o.sink) {
    fmt::format_to(it, "{} bytes per datagram received (mean), ",
                   s.received > 0 ? s.received_bytes / s.received : 0);
  } else {
    fmt::format_to(it, "{} bytes per datagram, ", o.length);
  }
  if (r.segment_count > 1) {
    fmt::format_to(it, "segment {}/{}, ", r.segment_index + 1, r.segment_count);
  }
  if (o.sink) {
    fmt::format_to(it, "{:.1f}s, io {}\n", r.elapsed_s, r.backend);
  } else {
    fmt::format_to(it, "rate {}, {:.1f}s, io {}\n",
                   o.rate > 0 ? fmt::format("{:.0f}/s", o.rate) : "as fast as possible",
                   r.elapsed_s, r.backend);
    fmt::format_to(it, "  sent       {:>12}  {:>12.0f} pkt/s  {:>9.1f} Mbps", s.sent,
                   r.per_s(s.sent), r.mbps(s.sent_bytes));
    if (o.rate > 0) {
      fmt::format_to(it, "  (planned {}, send failed {}, not sent {})", s.planned, s.send_failed(),
                     s.not_sent);
    } else if (s.send_failed() > 0) {
      fmt::format_to(it, "  (send failed {})", s.send_failed());
    }
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
    std::string sends = errno_list(s.send_errors), recvs = errno_list(s.recv_errors);
    fmt::format_to(it, "  errors    {}{}{}{}\n", sends.empty() ? "" : "  send", sends,
                   recvs.empty() ? "" : "  receive", recvs);
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
  return udp_json(r).dump(2) + "\n";
}

nlohmann::json udp_json(const UdpResult& r) {
  const UdpOptions& o = r.options;
  const UdpStats& s = r.stats;
  nlohmann::json j;
  udp_fields(r, JsonWriter(&j));
  // Figures derived from the fields above: written for readers, not read back.
  j["mode"] = o.sink ? "udp-sink" : "udp";
  j["lost_pct"] = r.lost_pct();
  j["send_failed"] = s.send_failed();
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
  // The whole histogram, so that `client merge` computes percentiles of several hosts exactly.
  j["histograms"] = {{"rtt", stats::histogram_to_json(s.rtt)}};
  j["run"] = run_identity_json(r);
  return j;
}

bool is_udp_mode(const std::string& mode) {
  return mode == "udp" || mode == "udp-sink";
}

bool read_udp_json(const std::string& text, UdpResult* out, std::string* error) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "not JSON";
    return false;
  }
  try {
    if (!is_udp_mode(j.value("mode", ""))) {
      *error = "not a client udp result";
      return false;
    }
    if (!j.contains("histograms") || !j["histograms"].contains("rtt")) {
      *error = "it carries no histograms (written by an older client?)";
      return false;
    }
    UdpResult r;
    UdpOptions& o = r.options;
    o.sink = j["mode"] == "udp-sink";
    o.length = 0;  // what a result without "length" carried: not the flag's default
    udp_fields(r, JsonReader(j));
    if (!j.contains("sockets")) o.total_sockets = o.threads * o.sockets;
    UdpStats& s = r.stats;
    if ((j.contains("send_errors") && !read_errno_counts(j["send_errors"], &s.send_errors)) ||
        (j.contains("recv_errors") && !read_errno_counts(j["recv_errors"], &s.recv_errors))) {
      *error = "unknown errno name in send_errors/recv_errors";
      return false;
    }
    std::string why;
    std::unique_ptr<stats::Histogram> h = stats::histogram_from_json(j["histograms"]["rtt"], &why);
    if (!h) {
      *error = "histograms.rtt: " + why;
      return false;
    }
    if (h->bucket_slots() != s.rtt.bucket_slots() ||
        h->significant_digits() != s.rtt.significant_digits()) {
      *error = "histograms.rtt has a shape this client cannot merge";
      return false;
    }
    s.rtt.merge(*h);
    if (j.contains("run")) read_run_identity(j["run"], &r);
    *out = std::move(r);
    return true;
  } catch (const std::exception& e) {
    // A field of the wrong type: the file was edited or is not ours.
    *error = std::string("malformed result: ") + e.what();
    return false;
  }
}

}  // namespace percore::client
