#include "server/stats_printer.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "core/util/clock.h"

namespace percore::server {
namespace {

using stats::Totals;

uint64_t errors(const Totals& t) {
  return t.counters[stats::kParseErrors] + t.counters[stats::kIoErrors] +
         t.counters[stats::kAcceptErrors];
}

void print_line(FILE* out, const std::string& who, const Totals& now, const Totals& before,
                double secs) {
  auto rate = [&](stats::Counter c) {
    return static_cast<double>(now.counters[c] - before.counters[c]) / secs;
  };
  fmt::print(out,
             "{:<10} req/s {:>9.0f}  conn/s {:>7.0f}  active {:>6}  in {:>7.2f} MB/s  "
             "out {:>7.2f} MB/s  errors/s {:>5.0f}  timeouts {}\n",
             who, rate(stats::kRequests), rate(stats::kAccepted), now.active,
             rate(stats::kBytesIn) / 1e6, rate(stats::kBytesOut) / 1e6,
             static_cast<double>(errors(now) - errors(before)) / secs,
             now.counters[stats::kTimeouts]);
}

std::string balance_text(const stats::WorkerSlots& slots) {
  double ratio = stats::accept_balance(slots);
  return std::isinf(ratio) ? std::string("inf") : fmt::format("{:.3f}", ratio);
}

// Accepted connections per worker since start and their max/min ratio.
void print_accept_balance(FILE* out, const stats::WorkerSlots& slots) {
  std::string counts;
  for (int w = 0; w < slots.count(); ++w) {
    counts += fmt::format("{}{}", w == 0 ? "" : " ", slots.slot(w).get(stats::kAccepted));
  }
  fmt::print(out, "{:<10} accepted per worker [{}]  max/min {}\n", "balance", counts,
             balance_text(slots));
}

}  // namespace

// Proxy counters: forwarded req/s, connects/s, the share of requests that reused a pooled
// connection, 502/504 totals, upstream latency quantiles over the whole run, backends up.
void StatsPrinter::print_proxy_line(FILE* out, const std::string& who, const Totals& now,
                                    const Totals& before, double secs, int ups) const {
  auto delta = [&](stats::Counter c) { return now.counters[c] - before.counters[c]; };
  uint64_t reuses = delta(stats::kPoolReuses), connects = delta(stats::kUpstreamConnects);
  double reuse = reuses + connects > 0
                     ? 100.0 * static_cast<double>(reuses) / static_cast<double>(reuses + connects)
                     : 0.0;
  fmt::print(out,
             "{:<10}   proxy fwd/s {:>9.0f}  connects/s {:>6.0f}  reuse {:>5.1f}%  502 {}  504 {}  "
             "upstream p50 {:.0f}us p99 {:.0f}us  backends up {}/{}\n",
             who, static_cast<double>(delta(stats::kProxyForwarded)) / secs,
             static_cast<double>(connects) / secs, reuse, now.counters[stats::kBadGateway],
             now.counters[stats::kGatewayTimeout], stats::latency_quantile_us(now.latency, 0.5),
             stats::latency_quantile_us(now.latency, 0.99), ups, upstream_names_.size());
}

// UDP: packets/s and Mbps each way, kernel drops and errors over the interval.
void StatsPrinter::print_udp_line(FILE* out, const std::string& who, const Totals& now,
                                  const Totals& before, double secs) const {
  auto rate = [&](stats::Counter c) {
    return static_cast<double>(now.counters[c] - before.counters[c]) / secs;
  };
  fmt::print(out,
             "{:<10} pkts/s in {:>9.0f} out {:>9.0f}  Mbps in {:>8.1f} out {:>8.1f}  "
             "kernel drops {:>7}  send errors {:>7}  queue full {:>6}{}\n",
             who, rate(stats::kUdpPacketsIn), rate(stats::kUdpPacketsOut),
             rate(stats::kUdpBytesIn) * 8 / 1e6, rate(stats::kUdpBytesOut) * 8 / 1e6,
             now.counters[stats::kUdpKernelDrops], now.counters[stats::kUdpSendErrors],
             now.counters[stats::kUdpQueueFull],
             upstream_names_.empty() ? std::string()
                                     : fmt::format("  unreachable {:>6}  no backend {:>6}",
                                                   now.counters[stats::kBackendUnreachable],
                                                   now.counters[stats::kUdpNoBackend]));
}

// Errors by errno over the whole run, in total and, for a relay, per destination.
void StatsPrinter::print_udp_totals(FILE* out) const {
  std::string line;
  for (int e = 0; e < stats::kUdpErrnoKinds; ++e) {
    uint64_t n = 0;
    for (int w = 0; w < slots_.count(); ++w) n += slots_.slot(w).udp_errors[e].load();
    if (n > 0) line += fmt::format(" {} {}", stats::kUdpErrnoNames[e], n);
  }
  if (!line.empty()) fmt::print(out, "udp errors by errno:{}\n", line);
  for (size_t b = 0; b < upstream_names_.size(); ++b) {
    uint64_t sent = 0, failed = 0;
    std::string errs;
    for (int e = 0; e < stats::kUdpErrnoKinds; ++e) {
      uint64_t n = 0;
      for (int w = 0; w < slots_.count(); ++w)
        n += slots_.slot(w).upstreams[b].udp_errors[e].load();
      if (n > 0) errs += fmt::format(" {} {}", stats::kUdpErrnoNames[e], n);
      failed += n;
    }
    uint64_t unreachable = 0;
    int ups = 0;
    for (int w = 0; w < slots_.count(); ++w) {
      const stats::UpstreamSlot& u = slots_.slot(w).upstreams[b];
      sent += u.requests.load();
      unreachable += u.unreachable.load();
      ups += u.up.load() != 0;
    }
    fmt::print(out,
               "destination {:<21} forwarded {:>10}  failed {:>8}  unreachable {:>6}  up in {}/{} "
               "workers{}\n",
               upstream_names_[b], sent, failed, unreachable, ups, slots_.count(), errs);
  }
}

StatsPrinter::StatsPrinter(const stats::WorkerSlots& slots, std::vector<std::string> upstream_names,
                           Transport transport)
    : slots_(slots),
      udp_(transport == Transport::kDatagram),
      upstream_names_(std::move(upstream_names)),
      previous_(static_cast<size_t>(slots.count())),
      previous_ns_(util::now_ns()),
      start_ns_(previous_ns_) {}

void StatsPrinter::print_rates(FILE* out, int64_t now_ns) {
  double secs = static_cast<double>(now_ns - previous_ns_) / 1e9;
  if (secs <= 0) return;
  Totals sum_now, sum_before;
  fmt::print(out, "--- {:.0f}s\n", static_cast<double>(now_ns - start_ns_) / 1e9);
  for (int w = 0; w < slots_.count(); ++w) {
    Totals t;
    t.add(slots_.slot(w));
    std::string who = fmt::format("w{} cpu{}", w, slots_.slot(w).core.load());
    if (udp_) {
      print_udp_line(out, who, t, previous_[w], secs);
    } else {
      print_line(out, who, t, previous_[w], secs);
    }
    if (!upstream_names_.empty() && !udp_) {
      int ups = 0;
      for (size_t b = 0; b < upstream_names_.size(); ++b) {
        ups += slots_.slot(w).upstreams[b].up.load() != 0;
      }
      print_proxy_line(out, who, t, previous_[w], secs, ups);
    }
    for (int c = 0; c < stats::kCounterCount; ++c) {
      sum_now.counters[c] += t.counters[c];
      sum_before.counters[c] += previous_[w].counters[c];
    }
    sum_now.active += t.active;
    previous_[w] = t;
  }
  if (udp_) {
    print_udp_line(out, "total", sum_now, sum_before, secs);
    print_udp_totals(out);
    previous_ns_ = now_ns;
    fflush(out);
    return;
  }
  print_line(out, "total", sum_now, sum_before, secs);
  print_accept_balance(out, slots_);
  if (!upstream_names_.empty()) {
    for (int w = 0; w < slots_.count(); ++w) {
      for (int b = 0; b < stats::kLatencyBuckets; ++b)
        sum_now.latency[b] += previous_[w].latency[b];
    }
    int up_everywhere = 0;
    for (size_t b = 0; b < upstream_names_.size(); ++b) {
      uint64_t req = 0, fail = 0;
      int ups = 0;
      for (int w = 0; w < slots_.count(); ++w) {
        req += slots_.slot(w).upstreams[b].requests.load();
        fail += slots_.slot(w).upstreams[b].failures.load();
        ups += slots_.slot(w).upstreams[b].up.load() != 0;
      }
      fmt::print(out, "backend {:<21} requests {:>10}  failures {:>6}  up in {}/{} workers\n",
                 upstream_names_[b], req, fail, ups, slots_.count());
      up_everywhere += ups == slots_.count();
    }
    print_proxy_line(out, "total", sum_now, sum_before, secs, up_everywhere);
  }
  previous_ns_ = now_ns;
  fflush(out);
}

void StatsPrinter::print_summary(FILE* out, double elapsed_s) const {
  Totals total = slots_.total();
  if (udp_) {
    fmt::print(out,
               "percore: summary after {:.1f}s: udp packets_in {} packets_out {} bytes_in {} "
               "bytes_out {} kernel_drops {} send_errors {} recv_errors {} queue_full {} "
               "backend_unreachable {} no_backend {}\n",
               elapsed_s, total.counters[stats::kUdpPacketsIn],
               total.counters[stats::kUdpPacketsOut], total.counters[stats::kUdpBytesIn],
               total.counters[stats::kUdpBytesOut], total.counters[stats::kUdpKernelDrops],
               total.counters[stats::kUdpSendErrors], total.counters[stats::kUdpRecvErrors],
               total.counters[stats::kUdpQueueFull], total.counters[stats::kBackendUnreachable],
               total.counters[stats::kUdpNoBackend]);
    print_udp_totals(out);
    fflush(out);
    return;
  }
  fmt::print(out,
             "percore: summary after {:.1f}s: requests {} accepted {} closed {} parse_errors {} "
             "timeouts {} io_errors {} accept_errors {} bytes_in {} bytes_out {}\n",
             elapsed_s, total.counters[stats::kRequests], total.counters[stats::kAccepted],
             total.counters[stats::kClosed], total.counters[stats::kParseErrors],
             total.counters[stats::kTimeouts], total.counters[stats::kIoErrors],
             total.counters[stats::kAcceptErrors], total.counters[stats::kBytesIn],
             total.counters[stats::kBytesOut]);
  for (int w = 0; w < slots_.count(); ++w) {
    const stats::WorkerSlot& s = slots_.slot(w);
    fmt::print(out, "percore:   w{} cpu{} starts {} requests {} accepted {}\n", w, s.core.load(),
               s.starts.load(), s.get(stats::kRequests), s.get(stats::kAccepted));
  }
  fmt::print(out, "percore:   accept balance max/min {}\n", balance_text(slots_));
  fflush(out);
}

}  // namespace percore::server
