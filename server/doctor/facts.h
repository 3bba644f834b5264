// Everything `server doctor` looks at, gathered once (gather_facts in probes.cc) and judged by
// pure code (assess.cc), so that the judgement is unit-tested with made-up machines.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/io/uring_facts.h"

namespace percore::server::doctor {

// The NIC that carries traffic to an address (--for) or the default route.
struct NicFacts {
  std::string target;     // what was asked: an address, or "default route"
  std::string interface;  // "" when it could not be found
  std::string error;      // why not
  int rx_queues = 0;
  int tx_queues = 0;
  // From ETHTOOL_GCHANNELS where the driver answers: current and maximum queue count
  // (combined, else rx), -1 when unknown.
  int channels = -1;
  int max_channels = -1;
};

struct Facts {
  std::string kernel_release;
  std::string uring_backend;  // "" when --io uring works here, else why not
  io::UringFacts uring;
  std::string reuseport;       // "" works, else the error
  std::string reuseport_cbpf;  // SO_ATTACH_REUSEPORT_CBPF
  std::optional<long long> tcp_migrate_req;
  std::string udp_gso;         // UDP_SEGMENT
  std::string udp_gro;         // UDP_GRO
  std::string ktls;            // TCP_ULP "tls" (kernel TLS)
  long long nofile_soft = -1;  // -1: unlimited
  long long nofile_hard = -1;
  std::optional<long long> somaxconn;
  std::optional<std::pair<int, int>> port_range;
  std::optional<long long> tcp_tw_reuse;
  std::optional<long long> busy_poll;
  std::optional<long long> busy_read;
  bool irqbalance_running = false;
  std::vector<std::string> governors;  // one per CPU that exposes cpufreq
  int online_cpus = 1;
  NicFacts nic;
};

}  // namespace percore::server::doctor
