// The names of `server doctor`'s checks, in their order: the contract scripts read, written down
// once outside the code that produces them so that a check that goes missing fails the tests.
#pragma once

#include <string>
#include <vector>

namespace percore::test {

inline const std::vector<std::string>& doctor_check_names() {
  static const std::vector<std::string> names = {
      "kernel",         "io_uring",        "multishot_accept", "multishot_recv",
      "buffer_rings",   "recv_bundles",    "recv_limit",       "so_reuseport",
      "reuseport_cbpf", "tcp_migrate_req", "udp_gso",          "udp_gro",
      "ktls",           "RLIMIT_NOFILE",   "somaxconn",        "ip_local_port_range",
      "tcp_tw_reuse",   "busy_poll",       "irqbalance",       "cpu_governor",
      "nic_queues"};
  return names;
}

}  // namespace percore::test
