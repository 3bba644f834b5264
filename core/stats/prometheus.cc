#include "core/stats/prometheus.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace percore::stats {

namespace {

using BackendField = std::atomic<uint64_t> UpstreamSlot::*;

void render_backends(const WorkerSlots& slots, const std::vector<std::string>& names,
                     std::string& out) {
  auto it = std::back_inserter(out);
  struct Series {
    const char* metric;
    const char* help;
    BackendField field;
  };
  static constexpr Series kSeries[] = {
      {"backend_requests_total", "Requests forwarded to the backend", &UpstreamSlot::requests},
      {"backend_conn_opens_total", "Connections opened to the backend", &UpstreamSlot::connects},
      {"backend_conn_reuses_total", "Requests sent on a pooled connection", &UpstreamSlot::reuses},
      {"backend_errors_total", "Connect/IO failures and timeouts", &UpstreamSlot::failures},
      {"backend_icmp_unreachable_total", "udp-relay: ICMP errors naming the backend",
       &UpstreamSlot::unreachable},
  };
  size_t n = names.size() < kMaxUpstreams ? names.size() : kMaxUpstreams;
  for (const Series& s : kSeries) {
    fmt::format_to(it, "# HELP percore_{} {}\n# TYPE percore_{} counter\n", s.metric, s.help,
                   s.metric);
    for (int w = 0; w < slots.count(); ++w) {
      for (size_t b = 0; b < n; ++b) {
        fmt::format_to(it, "percore_{}{{worker=\"{}\",backend=\"{}\"}} {}\n", s.metric, w, names[b],
                       (slots.slot(w).upstreams[b].*s.field).load());
      }
    }
  }
  out += "# HELP percore_backend_udp_errors_total udp-relay: failed sends by errno\n";
  out += "# TYPE percore_backend_udp_errors_total counter\n";
  for (int w = 0; w < slots.count(); ++w) {
    for (size_t b = 0; b < n; ++b) {
      for (int e = 0; e < kUdpErrnoKinds; ++e) {
        fmt::format_to(
            it,
            "percore_backend_udp_errors_total{{worker=\"{}\",backend=\"{}\",errno=\"{}\"}} {}\n", w,
            names[b], kUdpErrnoNames[e], slots.slot(w).upstreams[b].udp_errors[e].load());
      }
    }
  }
  out += "# HELP percore_backend_up 1 while the worker keeps the backend in rotation\n";
  out += "# TYPE percore_backend_up gauge\n";
  for (int w = 0; w < slots.count(); ++w) {
    for (size_t b = 0; b < n; ++b) {
      fmt::format_to(it, "percore_backend_up{{worker=\"{}\",backend=\"{}\"}} {}\n", w, names[b],
                     slots.slot(w).upstreams[b].up.load());
    }
  }
  out += "# HELP percore_backend_pool_reuse_ratio Requests sent on pooled connections / all\n";
  out += "# TYPE percore_backend_pool_reuse_ratio gauge\n";
  for (int w = 0; w < slots.count(); ++w) {
    double reuses = static_cast<double>(slots.slot(w).get(kPoolReuses));
    double opens = static_cast<double>(slots.slot(w).get(kUpstreamConnects));
    fmt::format_to(it, "percore_backend_pool_reuse_ratio{{worker=\"{}\"}} {:.4f}\n", w,
                   reuses + opens > 0 ? reuses / (reuses + opens) : 0.0);
  }
  out += "# HELP percore_upstream_latency_seconds Backend response head latency\n";
  out += "# TYPE percore_upstream_latency_seconds summary\n";
  Totals all;
  for (int w = 0; w < slots.count(); ++w) {
    Totals t;
    t.add(slots.slot(w));
    all.add(slots.slot(w));
    uint64_t count = 0;
    for (uint64_t c : t.latency) count += c;
    for (double q : {0.5, 0.99}) {
      fmt::format_to(it,
                     "percore_upstream_latency_seconds{{worker=\"{}\",quantile=\"{}\"}} {:.6f}\n",
                     w, q, latency_quantile_us(t.latency, q) / 1e6);
    }
    fmt::format_to(it, "percore_upstream_latency_seconds_count{{worker=\"{}\"}} {}\n", w, count);
  }
  out += "# HELP percore_upstream_latency_all_seconds Backend response head latency, all workers\n";
  out += "# TYPE percore_upstream_latency_all_seconds gauge\n";
  for (double q : {0.5, 0.99}) {
    fmt::format_to(it, "percore_upstream_latency_all_seconds{{quantile=\"{}\"}} {:.6f}\n", q,
                   latency_quantile_us(all.latency, q) / 1e6);
  }
}

}  // namespace

std::string render_prometheus(const WorkerSlots& slots,
                              const std::vector<std::string>& upstream_names) {
  std::string out;
  auto it = std::back_inserter(out);
  for (int c = 0; c < kCounterCount; ++c) {
    const CounterInfo& info = kCounterInfo[c];
    fmt::format_to(it, "# HELP percore_{} {}\n# TYPE percore_{} counter\n", info.metric, info.help,
                   info.metric);
    for (int w = 0; w < slots.count(); ++w) {
      fmt::format_to(it, "percore_{}{{worker=\"{}\"}} {}\n", info.metric, w,
                     slots.slot(w).get(static_cast<Counter>(c)));
    }
  }
  out += "# HELP percore_active_connections Open client connections\n";
  out += "# TYPE percore_active_connections gauge\n";
  for (int w = 0; w < slots.count(); ++w) {
    fmt::format_to(it, "percore_active_connections{{worker=\"{}\"}} {}\n", w,
                   slots.slot(w).active.load(std::memory_order_relaxed));
  }
  out += "# HELP percore_worker_starts_total Times the worker process was started\n";
  out += "# TYPE percore_worker_starts_total counter\n";
  for (int w = 0; w < slots.count(); ++w) {
    fmt::format_to(it, "percore_worker_starts_total{{worker=\"{}\",cpu=\"{}\"}} {}\n", w,
                   slots.slot(w).core.load(std::memory_order_relaxed),
                   slots.slot(w).starts.load(std::memory_order_relaxed));
  }
  out += "# HELP percore_udp_errors_total Datagram send/receive errors by errno\n";
  out += "# TYPE percore_udp_errors_total counter\n";
  for (int w = 0; w < slots.count(); ++w) {
    for (int e = 0; e < kUdpErrnoKinds; ++e) {
      fmt::format_to(it, "percore_udp_errors_total{{worker=\"{}\",errno=\"{}\"}} {}\n", w,
                     kUdpErrnoNames[e], slots.slot(w).udp_errors[e].load());
    }
  }
  out += "# HELP percore_accept_balance_ratio Largest over smallest per-worker accepted_total\n";
  out += "# TYPE percore_accept_balance_ratio gauge\n";
  double balance = accept_balance(slots);
  if (std::isinf(balance)) {
    out += "percore_accept_balance_ratio +Inf\n";
  } else {
    fmt::format_to(it, "percore_accept_balance_ratio {:.4f}\n", balance);
  }
  if (!upstream_names.empty()) render_backends(slots, upstream_names, out);
  return out;
}

}  // namespace percore::stats
