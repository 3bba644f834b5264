// Runs `client udp`: one pinned UdpWorker thread per -t, a progress line a second, then the
// merged result, judged by judge_udp (a loud warning when -R could not be kept). --hdr-log logs
// the round-trip time (sink: the transit time).
#pragma once

#include <atomic>
#include <string>

#include "client/udp/udp_options.h"
#include "client/udp/udp_result.h"

namespace percore::client {

bool run_udp(const UdpOptions& options, const std::atomic<bool>* stop, UdpResult* result,
             std::string* error);

}  // namespace percore::client
