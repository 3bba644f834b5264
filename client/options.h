// Everything `client http`, `client echo` or `client sweep` was asked to do, after flag parsing
// and validation. The echo and sweep fields are unused by `client http`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/http/url.h"
#include "client/multi_host/segment.h"
#include "client/protocol.h"
#include "client/result/run_identity.h"
#include "core/io/factory.h"

namespace percore::client {

// What was typed; `protocol` below is what the workers speak (a sweep runs echo).
enum class Command { kHttp, kEcho, kSweep };

// rr: one message in flight per connection (send, wait for the whole echo, repeat).
// stream: send continuously while at most `window` bytes are unechoed per connection.
enum class EchoPattern { kRequestResponse, kStream };

inline constexpr uint32_t kDefaultWindow = 64 * 1024;
inline constexpr uint32_t kMaxPayload = 16 << 20;
inline constexpr uint32_t kMaxWindow = 64 << 20;

struct EchoOptions {
  EchoPattern pattern = EchoPattern::kRequestResponse;
  uint32_t payload = 64;             // bytes per message
  uint32_t window = kDefaultWindow;  // stream: most unechoed bytes per connection
};

struct SweepOptions {
  int max_connections = 512;  // steps 1, 2, 4 ... up to this (and this, if not a power of two)
  std::string csv_path;
  std::string png_path;
  std::string plot_script;  // empty: scripts/plot-sweep.gp next to the build directory
};

// --json, --fail-if, -q, --segment, --start-at and --hdr-log are the RunOptions base.
struct Options : RunOptions {
  Command command = Command::kHttp;
  Protocol protocol = Protocol::kHttp;
  std::string url_text;
  Url url;
  int connections = 10;
  std::vector<net::Address> sources;  // --source: local addresses, round-robin; empty: kernel's
  int threads = 0;                    // 0: one per online CPU (never more than connections)
  int start_core = 0;
  bool pin = true;
  int64_t duration_ns = 0;  // 0: no time limit (only with requests > 0)
  uint64_t requests = 0;    // 0: no count limit
  int64_t warmup_ns = 0;
  bool keepalive = true;
  uint64_t reconnect_every = 0;  // 0: never
  int pipeline = 1;
  double rate = 0;  // total requests per second; 0: closed loop (as fast as responses come)
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;
  int64_t timeout_ns = int64_t{5} * 1'000'000'000;
  io::BackendKind io = io::BackendKind::kAuto;
  EchoOptions echo;
  SweepOptions sweep;
};

}  // namespace percore::client
