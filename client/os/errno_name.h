// Names for errno values, as error kinds are reported ("connect/ECONNREFUSED"). errno_name.cc is
// Linux (strerrorname_np, strerror), errno_name_win.cc Windows (a table: MinGW has no
// strerrorname_np, and its strerror has no text for the socket errno values).
#pragma once

#include <string>

namespace percore::client {

// "ECONNREFUSED" for an errno; "E123" for one without a name.
std::string errno_name(int err);

// The errno for a one-line message: "Connection refused (ECONNREFUSED)" on Linux, the name alone
// on Windows.
std::string errno_text(int err);

}  // namespace percore::client
