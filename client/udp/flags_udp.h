// Command-line parsing for `client udp [options] host:port`; every value is validated so that a
// mistake is one clear line and exit code 2.
#pragma once

#include <string>

#include "client/flags/flags.h"
#include "client/udp/udp_options.h"

namespace percore::client {

// argv[1] is "udp". On kHelp *message holds the help text, on kError a one-line reason.
ParseStatus parse_udp_flags(int argc, const char* const* argv, UdpOptions* out,
                            std::string* message);

}  // namespace percore::client
