// The pre-run check of `client udp`: one datagram on a connected socket, so a target nothing
// listens on (ICMP port unreachable, seen as ECONNREFUSED) is a one-line error and exit 2, as
// `client echo` does for a refused connect, instead of a run at 100% loss.
#pragma once

#include <string>

#include "client/udp/udp_options.h"

namespace percore::client {

// False with a one-line *message when the target refuses (or the send fails at once). A target
// that stays silent passes: a relay or a sink never answers. --sink sends nothing: always true.
bool udp_preflight(const UdpOptions& options, std::string* message);

}  // namespace percore::client
