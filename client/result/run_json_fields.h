// The stored fields of an http or echo result: written by render_json (report_json.cc), read back
// by read_run_json (run_json_read.cc) for `client merge`, from this one list
// (client/result/json_fields.h). Figures derived from these (rates, error and status tables,
// latency summaries) are written beside them and not read back; histograms and the run identity
// have their own readers.
#pragma once

#include "client/result/json_fields.h"
#include "client/result/run_result.h"

namespace percore::client {

// R is RunResult or const RunResult; r.mode must be set before reading.
template <class R, class Field>
void run_fields(R& r, Field&& f) {
  auto& s = r.stats;
  f("/url", r.url);
  f("/method", r.method);
  f("/backend", r.backend);
  f("/threads", r.threads);
  f("/pipeline", r.pipeline);
  f("/keepalive", r.keepalive);
  f("/warmup_s", r.warmup_s);
  f("/interrupted", r.interrupted);
  f("/duration_s", r.duration_s, Need::kRequired);
  f("/target_rate", r.target_rate);
  f("/client_cpu_s", r.cpu_s);
  f("/warnings", r.warnings);
  f("/requests", s.completed, Need::kRequired);
  f("/sent", s.sent, Need::kRequired);
  f("/lost", s.lost);
  f("/in_flight_at_end", s.in_flight_at_end);
  f("/not_sent", s.not_sent);
  f("/not_sent_connecting", s.not_sent_connecting);
  f("/pace_delay_ms", InUnit{s.pace_delay_ns, 1e6});
  f("/connections/configured", r.connections);
  f("/connections/requested", s.connects_requested);
  f("/connections/established", s.connects_established);
  f("/connections/closed_by_server", s.closed_by_server);
  f("/bytes/in", s.bytes_in);
  f("/bytes/out", s.bytes_out);
  if (r.mode == Protocol::kEcho) {
    f("/echo/pattern", r.pattern);
    f("/echo/payload", r.payload);
    f("/echo/window", r.window);
  }
}

}  // namespace percore::client
