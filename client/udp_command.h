// `client udp`: flags, run, report, --json, --fail-if; returns the process exit code (0 done,
// 1 runtime failure, 2 usage error, 3 a --fail-if threshold crossed).
#pragma once

#include <atomic>

namespace percore::client {

int udp_command(int argc, const char* const* argv, const std::atomic<bool>* stop);

}  // namespace percore::client
