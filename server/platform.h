// What the server's flags say differently per system: the event loops there are, the modes
// built there and a line about the process model. platform.cc is Linux, platform_win.cc Windows.
#pragma once

#include <string>

#include "server/options.h"

namespace percore::server::platform {

// Added to --help's description.
const char* help_note();
// --io: its help text, default and the one-line error for a name this system does not have.
const char* io_help();
const char* io_default();
const char* io_usage_error();
// Whether `--io sockmap` (the BPF in-kernel echo) exists on this system.
bool offers_sockmap();
// Empty when `mode` is built here; else the one-line usage error.
std::string mode_unavailable(ServerMode mode);

}  // namespace percore::server::platform
