// One blocking connect before the run, so an unreachable target is a clear one-line error and
// exit code 2 instead of a report full of connect errors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/options.h"
#include "core/net/address.h"

namespace percore::client {

// Returns 0 when a TCP connection to addr succeeds within timeout_ns, else -errno
// (-ETIMEDOUT on timeout) and a one-line *error naming the errno.
int preflight_connect(const net::Address& addr, int64_t timeout_ns, std::string* error);

// Every --source address must be bindable here (an address of this host): false with a one-line
// *message naming the first that is not.
bool check_sources(const std::vector<net::Address>& sources, std::string* message);

// Connects to url->address, then to its alternatives in order (localhost: [::1]); the first that
// accepts becomes url->address. False with a one-line *message when none does.
bool connect_first(Url* url, const std::vector<net::Address>& sources, int64_t timeout_ns,
                   std::string* message);

// http, echo, sweep: the connections must fit the descriptor limit (check_fd_budget), the
// --source addresses must be this host's, and the target must answer (*o's address becomes the
// one that did). False with a one-line *message otherwise.
bool connection_preflight(Options* o, std::string* message);

}  // namespace percore::client
