// Merging and naming for WorkerStats.
#include "client/run/run_stats.h"

#include <fmt/format.h>

#include <algorithm>

namespace percore::client {

const char* phase_name(ErrorPhase phase) {
  switch (phase) {
    case ErrorPhase::kConnect:
      return "connect";
    case ErrorPhase::kConnectTimeout:
      return "connect_timeout";
    case ErrorPhase::kWrite:
      return "write";
    case ErrorPhase::kRead:
      return "read";
    case ErrorPhase::kReadTimeout:
      return "read_timeout";
    case ErrorPhase::kParse:
      return "parse";
    case ErrorPhase::kClosed:
      return "closed_early";
    case ErrorPhase::kVerify:
      return "verify";
    case ErrorPhase::kSwitched:
      return "switching_protocols";
    case ErrorPhase::kCount:
      break;
  }
  return "?";
}

std::string error_kind_name(ErrorPhase phase, int err, char sep) {
  std::string key = phase_name(phase);
  if (err != 0) return key + sep + errno_name(err);
  // A verification failure has no errno; its kind still reads as a pair like the others.
  if (phase == ErrorPhase::kVerify) return key + sep + "mismatch";
  return key;
}

uint64_t WorkerStats::error_total() const {
  uint64_t total = 0;
  for (const auto& by_errno : errors) {
    for (uint64_t n : by_errno) total += n;
  }
  return total;
}

uint64_t WorkerStats::non2xx() const {
  uint64_t total = 0;
  for (size_t code = 0; code < status.size(); ++code) {
    if (code < 200 || code > 299) total += status[code];
  }
  return total;
}

void WorkerStats::merge(const WorkerStats& o) {
  // The counts that add up across workers and hosts.
  static constexpr uint64_t WorkerStats::*kSummed[] = {
      &WorkerStats::sent,
      &WorkerStats::completed,
      &WorkerStats::lost,
      &WorkerStats::in_flight_at_end,
      &WorkerStats::not_sent,
      &WorkerStats::not_sent_connecting,
      &WorkerStats::warmup_requests,
      &WorkerStats::connects_requested,
      &WorkerStats::connects_established,
      &WorkerStats::closed_by_server,
      &WorkerStats::bytes_in,
      &WorkerStats::bytes_out,
  };
  for (uint64_t WorkerStats::*count : kSummed) this->*count += o.*count;
  pace_delay_ns = std::max(pace_delay_ns, o.pace_delay_ns);
  for (size_t p = 0; p < errors.size(); ++p) {
    for (size_t e = 0; e < errors[p].size(); ++e) errors[p][e] += o.errors[p][e];
  }
  for (size_t i = 0; i < status.size(); ++i) status[i] += o.status[i];
  corrected.merge(o.corrected);
  uncorrected.merge(o.uncorrected);
  send_lag.merge(o.send_lag);
}

}  // namespace percore::client
