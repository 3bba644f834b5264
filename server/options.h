// Command-line options of `server`, with Fastsocket's demo flags keeping their meaning.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/io/factory.h"
#include "core/net/address.h"
#include "server/mode_table.h"
#include "server/programmable/target_options.h"

namespace percore::server {

enum class Balance { kRoundRobin, kLeastConn };
// How workers get their listening sockets (see docs/preload.md for the comparison):
// - kReuseport: each worker opens its own SO_REUSEPORT listener; the kernel hashes connections.
// - kCpu: the same, plus SO_INCOMING_CPU = the worker's core on each listener, so a connection
//   whose SYN is processed on CPU n goes to the worker pinned there (kernel >= 6.1).
// - kShared: the master opens one listener before forking and every worker accepts from it.
// - kSharedExclusive: the same, registered with EPOLLEXCLUSIVE (nginx's default): wake-one.
enum class ListenMode { kReuseport, kCpu, kShared, kSharedExclusive };

struct ServerOptions {
  int workers = 0;  // 0: one per online CPU
  int start_core = 0;
  std::vector<net::Address> listen;
  std::vector<net::Address> upstreams;  // -x/--backend: the modes that forward
  std::string log_file = "./percore.log";
  bool verbose = false;
  bool debug = false;
  bool keepalive = false;
  // --join-running: a listen address another server already listens on is shared with it
  // (SO_REUSEPORT, the hitless restart); without it that is an error.
  bool join_running = false;
  ServerMode mode = ServerMode::kHttp;  // with `sockmap` and `io`, picks a row of mode_table.h
  io::BackendKind io = io::BackendKind::kEpoll;
  // --io sockmap: the bytes move inside the kernel (a BPF sockmap program, the mode_table.h rows
  // on kSockmapIo); `io` is then the worker's own loop, which only accepts and watches closes.
  bool sockmap = false;
  long body_size = -1;  // -1: the default small body
  int idle_timeout_ms = 60'000;
  int header_timeout_ms = 10'000;
  int drain_timeout_ms = 10'000;
  uint32_t max_header_bytes = 8192;
  int backlog = 4096;
  std::optional<net::Address> metrics;
  // Proxy mode (-x).
  int upstream_conns = 64;  // idle keep-alive connections kept per upstream per worker
  int upstream_timeout_ms = 10'000;
  int upstream_idle_ms = 15'000;  // pooled connections close first, before the upstream does
  Balance balance = Balance::kRoundRobin;
  ListenMode listen_mode = ListenMode::kReuseport;
  // HTTP mode with --programmable: answers chosen per request (server/programmable/).
  programmable::TargetOptions target;
  // UDP modes. Seed 000 defaults its socket buffers to 4 MiB.
  int rcvbuf = 4 << 20;
  int sndbuf = 4 << 20;
  bool fanout = false;                      // udp-relay: every datagram to every backend
  std::optional<net::Address> bind_source;  // udp-relay: egress source address
};

// "ip:port" of each -x backend, for labels and log lines.
std::vector<std::string> upstream_names(const ServerOptions& o);

enum class ParseOutcome { kRun, kHelp, kUsageError };

// Parses argv; on kHelp *message holds the help text, on kUsageError a one-line reason.
ParseOutcome parse_server_options(int argc, char** argv, ServerOptions* out, std::string* message);

const char* listen_mode_name(ListenMode mode);
bool is_shared_listener(ListenMode mode);

}  // namespace percore::server
