// Derived figures and the "could not keep up" judgement.
#include "client/result/run_result.h"

#include <fmt/format.h>

#include <algorithm>

namespace percore::client {

void finalize(RunResult* r) {
  const WorkerStats& s = r->stats;
  double d = r->duration_s > 0 ? r->duration_s : 1e-9;
  r->rps = static_cast<double>(s.completed) / d;
  r->achieved_rate = static_cast<double>(s.sent) / d;
  r->warnings.clear();
  if (r->target_rate > 0 && r->duration_s > 0) {
    double ratio = r->achieved_rate / r->target_rate;
    if (ratio < 0.95 || s.not_sent > s.sent / 100) {
      std::string head = fmt::format(
          "the client could not keep up: target {:.0f} req/s, achieved {:.0f} req/s ({:.1f}%), "
          "{} requests due but never sent",
          r->target_rate, r->achieved_rate, 100 * ratio, s.not_sent);
      uint64_t busy = s.not_sent - std::min(s.not_sent, s.not_sent_connecting);
      if (s.not_sent_connecting > busy) {
        // Connecting is not the server being slow to answer nor the client short of CPU.
        r->warnings.push_back(fmt::format(
            "{}, {} of them while the connections were opening: they took up to {:.0f} ms to "
            "open (a small accept backlog or dropped SYNs do this). A --warmup longer than that "
            "leaves the connecting out of the results.",
            head, s.not_sent_connecting, static_cast<double>(s.pace_delay_ns) / 1e6));
      } else {
        r->warnings.push_back(fmt::format(
            "{}. Either every connection was busy (the server is saturated: add -c) or the "
            "client was out of CPU (add -t). Latency is corrected for the delay, but the offered "
            "load was lower than asked.",
            head));
      }
    }
  }
  if (s.connects_established == 0 && s.connects_requested > 0) {
    r->warnings.push_back("no connection was ever established: see the connect errors");
  }
  if (s.corrected.clamped() > 0 || s.uncorrected.clamped() > 0) {
    r->warnings.push_back("some latencies exceeded 60 s and were recorded as 60 s");
  }
}

}  // namespace percore::client
