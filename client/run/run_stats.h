// What one worker measured: request accounting, errors by phase and errno, status codes and the
// latency histograms. Workers fill their own; the runner merges them (and snapshots them once a
// second for the progress line).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "client/os/errno_name.h"
#include "core/stats/histogram.h"

namespace percore::client {

// Where a failure happened. kConnect, kWrite and kRead are further split by errno.
enum class ErrorPhase : uint8_t {
  kConnect,         // connect() or its completion failed (ECONNREFUSED, EADDRNOTAVAIL ...)
  kConnectTimeout,  // no connection within --timeout
  kWrite,           // sending a request failed (EPIPE, ECONNRESET)
  kRead,            // receiving failed (ECONNRESET ...)
  kReadTimeout,     // no response within --timeout
  kParse,           // the response was not valid HTTP (or arrived unasked)
  kClosed,          // the server closed the connection with requests outstanding
  kVerify,          // echo: an echoed message differs from what was sent (or was never sent)
  kSwitched,        // http: the server answered 101 Switching Protocols (no longer HTTP)
  kCount
};

inline constexpr int kMaxErrno = 140;
inline constexpr int kStatusSlots = 1000;

const char* phase_name(ErrorPhase phase);
// The key an error count is reported under: "connect" + sep + "ECONNREFUSED", "parse",
// "verify" + sep + "mismatch". JSON uses '/', the text report ' '.
std::string error_kind_name(ErrorPhase phase, int err, char sep);

struct WorkerStats {
  // Requests whose intended send time is past the warmup. Every one ends as exactly one of
  // completed (a response arrived), lost (its connection failed first) or in_flight_at_end.
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t lost = 0;
  uint64_t in_flight_at_end = 0;
  // --rate: due before the end but never sent: no connection was free, or (not_sent_connecting,
  // a part of not_sent) the grid point passed while the worker's connections were opening.
  uint64_t not_sent = 0;
  uint64_t not_sent_connecting = 0;
  // --rate: how long after the run's origin the pace began (connections opening); merged as the
  // maximum over the workers.
  int64_t pace_delay_ns = 0;
  uint64_t warmup_requests = 0;

  uint64_t connects_requested = 0;
  uint64_t connects_established = 0;
  uint64_t closed_by_server = 0;  // orderly closes with nothing outstanding (not errors)
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;

  std::array<std::array<uint64_t, kMaxErrno + 1>, static_cast<size_t>(ErrorPhase::kCount)> errors{};
  std::array<uint64_t, kStatusSlots> status{};

  // Latency in ns from the intended send time (corrected) and from the actual send (uncorrected).
  // Without --rate the two are the same measurement.
  stats::Histogram corrected;
  stats::Histogram uncorrected;
  // --rate: actual send time minus intended time, the client's own share of the corrected latency.
  stats::Histogram send_lag;

  void add_error(ErrorPhase phase, int err) {
    if (err < 0) err = -err;
    if (err > kMaxErrno) err = 0;
    ++errors[static_cast<size_t>(phase)][static_cast<size_t>(err)];
  }
  uint64_t error_total() const;
  uint64_t non2xx() const;
  void merge(const WorkerStats& other);
};

}  // namespace percore::client
