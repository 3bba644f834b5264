// Human-readable statistics: the once-a-second -v lines (rates per worker plus a total) and the
// summary printed when the server exits.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/stats/worker_slots.h"
#include "server/mode_table.h"

namespace percore::server {

class StatsPrinter {
 public:
  // upstream_names: the -x upstreams (empty outside the forwarding modes: no proxy lines).
  // kDatagram: the datagram lines (packets, Mbps, kernel drops, errors by errno) replace the
  // connection ones, and upstream_names are the relay's destinations.
  explicit StatsPrinter(const stats::WorkerSlots& slots,
                        std::vector<std::string> upstream_names = {},
                        Transport transport = Transport::kStream);
  // Prints one line per worker and a total, as rates since the previous call.
  void print_rates(FILE* out, int64_t now_ns);
  void print_summary(FILE* out, double elapsed_s) const;

 private:
  void print_proxy_line(FILE* out, const std::string& who, const stats::Totals& now,
                        const stats::Totals& before, double secs, int ups) const;
  void print_udp_line(FILE* out, const std::string& who, const stats::Totals& now,
                      const stats::Totals& before, double secs) const;
  void print_udp_totals(FILE* out) const;
  const stats::WorkerSlots& slots_;
  bool udp_ = false;
  std::vector<std::string> upstream_names_;
  std::vector<stats::Totals> previous_;
  int64_t previous_ns_;
  int64_t start_ns_;
};

}  // namespace percore::server
