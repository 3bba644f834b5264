// Text rendering of results and progress.
#include "client/result/report_text.h"

#include <fmt/format.h>

namespace percore::client {
namespace {

void latency_row(std::string* out, const char* name, const stats::Histogram& h) {
  *out += fmt::format("  {:<12}", name);
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) {
    *out += fmt::format(" {:>9}", format_latency(h.value_at_percentile(p)));
  }
  *out += fmt::format(" {:>9} {:>9}\n", format_latency(h.max()),
                      format_latency(static_cast<int64_t>(h.mean())));
}

}  // namespace

std::string format_latency(int64_t ns) {
  double us = static_cast<double>(ns) / 1e3;
  if (us < 1000) return fmt::format("{:.{}f}us", us, us < 10 ? 2 : us < 100 ? 1 : 0);
  double ms = us / 1e3;
  if (ms < 1000) return fmt::format("{:.{}f}ms", ms, ms < 10 ? 2 : ms < 100 ? 1 : 0);
  return fmt::format("{:.2f}s", ms / 1e3);
}

std::string render_text(const RunResult& r) {
  const WorkerStats& s = r.stats;
  std::string out;
  for (const std::string& w : r.warnings) out += fmt::format("WARNING: {}\n", w);
  double secs = std::max(r.duration_s, 1e-9);
  if (r.mode == Protocol::kEcho) {
    out += fmt::format("echo {} {}  ({} threads, {} connections, {}, {} B messages{})\n", r.pattern,
                       r.url, r.threads, r.connections, r.backend, r.payload,
                       r.pattern == "stream" ? fmt::format(", window {} B", r.window) : "");
  } else {
    out +=
        fmt::format("{} {}  ({} threads, {} connections, {}, {}{})\n", r.method, r.url, r.threads,
                    r.connections, r.backend, r.keepalive ? "keep-alive" : "no keep-alive",
                    r.pipeline > 1 ? fmt::format(", pipeline {}", r.pipeline) : "");
  }
  out += fmt::format("  measured    {:.2f}s{}{}\n", r.duration_s,
                     r.warmup_s > 0 ? fmt::format(" after {:.2f}s warmup", r.warmup_s) : "",
                     r.interrupted ? " (interrupted)" : "");
  out += fmt::format("  {}    {} completed, {} sent, {} lost, {} in flight at end",
                     r.mode == Protocol::kEcho ? "messages" : "requests", s.completed, s.sent,
                     s.lost, s.in_flight_at_end);
  if (r.target_rate > 0) {
    out += fmt::format(", {} due but not sent", s.not_sent);
    if (s.not_sent_connecting > 0) {
      out += fmt::format(" ({} while connecting)", s.not_sent_connecting);
    }
  }
  out += "\n";
  if (r.mode == Protocol::kEcho) {
    // Echoed = fully echoed and verified messages; bytes in also counts partial echoes.
    out += fmt::format(
        "  throughput  {:.1f} msg/s, {:.2f} MB/s echoed, {:.2f} MB/s in, {:.2f} MB/s out\n", r.rps,
        r.rps * r.payload / 1e6, static_cast<double>(s.bytes_in) / 1e6 / secs,
        static_cast<double>(s.bytes_out) / 1e6 / secs);
  } else {
    out += fmt::format("  throughput  {:.1f} req/s, {:.2f} MB/s in, {:.2f} MB/s out\n", r.rps,
                       static_cast<double>(s.bytes_in) / 1e6 / secs,
                       static_cast<double>(s.bytes_out) / 1e6 / secs);
  }
  if (r.target_rate > 0) {
    out += fmt::format("  rate        target {:.1f} req/s, achieved {:.1f} req/s ({:.1f}%)\n",
                       r.target_rate, r.achieved_rate, 100 * r.achieved_rate / r.target_rate);
  }
  out += fmt::format("  latency     {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "p50", "p90",
                     "p99", "p99.9", "p99.99", "max", "mean");
  if (r.target_rate > 0) {
    latency_row(&out, "corrected", s.corrected);
    latency_row(&out, "uncorrected", s.uncorrected);
    // How late the client itself sent: this much of the corrected latency is not the server's.
    out += fmt::format("  send lag    p50 {}, p99 {}, max {} (actual send - intended time)\n",
                       format_latency(s.send_lag.value_at_percentile(50)),
                       format_latency(s.send_lag.value_at_percentile(99)),
                       format_latency(s.send_lag.max()));
  } else {
    latency_row(&out, "", s.uncorrected);
  }
  if (r.mode != Protocol::kEcho) {
    out += "  status     ";
    bool any = false;
    for (size_t code = 0; code < s.status.size(); ++code) {
      if (s.status[code] == 0) continue;
      out += fmt::format(" {}: {}", code, s.status[code]);
      any = true;
    }
    out += any ? "\n" : " none\n";
  }
  out += fmt::format("  errors      {}", s.error_total());
  for (size_t p = 0; p < s.errors.size(); ++p) {
    for (size_t e = 0; e < s.errors[p].size(); ++e) {
      if (s.errors[p][e] == 0) continue;
      out += fmt::format(", {} {}",
                         error_kind_name(static_cast<ErrorPhase>(p), static_cast<int>(e), ' '),
                         s.errors[p][e]);
    }
  }
  out += "\n";
  out += fmt::format("  connections {} established of {} requested, {} closed by the server\n",
                     s.connects_established, s.connects_requested, s.closed_by_server);
  uint64_t total = s.completed + s.warmup_requests;
  out += fmt::format("  client cpu  {:.2f}s user+sys, {:.2f}us per {}\n", r.cpu_s,
                     total > 0 ? r.cpu_s * 1e6 / static_cast<double>(total) : 0.0,
                     r.mode == Protocol::kEcho ? "message" : "response");
  return out;
}

std::string render_progress(double elapsed_s, bool warmup, double rps, int64_t p99_ns,
                            uint64_t errors, double target_rate, const char* unit) {
  std::string line =
      fmt::format("[{:6.1f}s] {}{:>10.0f} {}", elapsed_s, warmup ? "warmup " : "", rps, unit);
  if (target_rate > 0) line += fmt::format(" (target {:.0f})", target_rate);
  line += fmt::format("  p99 {:>8}  errors {}", format_latency(p99_ns), errors);
  return line;
}

}  // namespace percore::client
