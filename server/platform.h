// What the server's flags say differently per system: the event loops there are and a line
// about the process model. platform.cc is Linux, platform_win.cc Windows; which modes each
// system builds is a column of mode_table.h.
#pragma once

namespace percore::server::platform {

// Added to --help's description.
const char* help_note();
// --io: its help text, default and the one-line error for a name this system does not have.
const char* io_help();
const char* io_default();
const char* io_usage_error();
// The name --help and messages use for this system ("Windows").
const char* system_name();

}  // namespace percore::server::platform
