// The merged outcome of a run plus what was asked for: the input of the text report, the JSON
// and --fail-if.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/protocol.h"
#include "client/result/run_identity.h"
#include "client/run/run_stats.h"

namespace percore::client {

// The identity (host, segment, start times) is the RunIdentity base, shared with udp results.
struct RunResult : RunIdentity {
  // What ran.
  Protocol mode = Protocol::kHttp;
  std::string url;       // echo: HOST:PORT
  std::string pattern;   // echo: "rr" or "stream"
  uint32_t payload = 0;  // echo: bytes per message
  uint32_t window = 0;   // echo: stream window per connection
  std::string method = "GET";
  std::string backend;
  int threads = 0;
  int connections = 0;
  int pipeline = 1;
  bool keepalive = true;
  double target_rate = 0;  // 0: closed loop
  double warmup_s = 0;
  bool interrupted = false;  // Ctrl-C before the planned end

  // What happened.
  WorkerStats stats;
  double duration_s = 0;     // measured time: from the end of the warmup to the end
  double rps = 0;            // completed responses (echo: fully echoed messages) per second
  double achieved_rate = 0;  // measured requests sent per second
  double cpu_s = 0;          // user+sys CPU of the whole client process
  std::vector<std::string> warnings;

  // Latency summary in microseconds from the histogram that counts: corrected under --rate.
  const stats::Histogram& latency() const {
    return target_rate > 0 ? stats.corrected : stats.uncorrected;
  }
};

// Fills rps, achieved_rate and the warnings from stats, duration and target.
void finalize(RunResult* result);

}  // namespace percore::client
