// Small UDP tools for end-to-end tests: loopback sockets with a receive timeout, and sums of
// Prometheus series from the server's /metrics text.
#pragma once

#include <string>

namespace percore::test {

// A blocking UDP socket on 127.0.0.1 (ephemeral port) with a receive timeout; connected to
// 127.0.0.1:port when port > 0. Returns the fd or -1. *bound_port receives its own port.
int udp_loopback_socket(int port, int timeout_ms, int* bound_port = nullptr);

// Sum over every series of `name` whose labels contain `label_filter` (e.g. errno="ENETUNREACH");
// -1 when the metric is missing.
long long metric_sum(const std::string& metrics_text, const std::string& name,
                     const std::string& label_filter = "");

struct ServerProcess;
// Polls the server's /metrics until metric_sum(name, label_filter) reaches `want` or 5 s pass;
// returns the last value.
long long await_metric(const ServerProcess& s, const std::string& name, long long want,
                       const std::string& label_filter = "");

}  // namespace percore::test
