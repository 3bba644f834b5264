// The master's tiny HTTP endpoint for Prometheus: GET /metrics returns every worker's counters.
// Each request is served in one short, time-bounded exchange; it never touches the workers.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/net/address.h"
#include "core/stats/worker_slots.h"

namespace percore::server {

class MetricsEndpoint {
 public:
  ~MetricsEndpoint();
  // Binds and listens; returns 0 or -errno.
  int open(const net::Address& addr);
  int fd() const { return fd_; }
  // Serves the connections waiting in the accept queue.
  void serve_pending(const stats::WorkerSlots& slots);
  // The proxy's upstreams (-x), for the backend="ip:port" label.
  void set_upstream_names(std::vector<std::string> names) { upstream_names_ = std::move(names); }
  // Closes the listener (in forked workers, which must not hold it).
  void close_listener();

 private:
  int fd_ = -1;
  std::vector<std::string> upstream_names_;
};

}  // namespace percore::server
