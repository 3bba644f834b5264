// What the server's flags say differently per system: the event loops there are and a line
// about the process model. platform.cc is Linux, platform_win.cc Windows; which modes each
// system builds is a column of mode_table.h.
#pragma once

namespace percore::server::platform {

struct SystemText {
  const char* name;         // "Windows", for messages
  const char* help_note;    // added to --help's description
  const char* io_help;      // --io's help text
  const char* io_default;   // --io's default
  const char* io_mistaken;  // the one-line error for an --io this system does not have
};

extern const SystemText kSystemText;

}  // namespace percore::server::platform
