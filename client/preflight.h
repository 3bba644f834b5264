// One blocking connect before the run, so an unreachable target is a clear one-line error and
// exit code 2 instead of a report full of connect errors.
#pragma once

#include <cstdint>
#include <string>

#include "client/options.h"
#include "core/net/address.h"

namespace percore::client {

// Returns 0 when a TCP connection to addr succeeds within timeout_ns, else -errno
// (-ETIMEDOUT on timeout) and a one-line *error naming the errno.
int preflight_connect(const net::Address& addr, int64_t timeout_ns, std::string* error);

// http, echo, sweep: the connections must fit the descriptor limit (check_fd_budget) and the
// target must answer. False with a one-line *message otherwise.
bool connection_preflight(const Options& o, std::string* message);

}  // namespace percore::client
