// Words in place of flags that make `server` something other than a server: `preload` and
// `doctor` on Linux; none on Windows (subcommand_win.cc).
#pragma once

namespace percore::server {

// Runs the subcommand argv names and returns true with its exit code in *rc, or returns false
// when argv is a server's command line.
bool run_subcommand(int argc, char** argv, int* rc);

}  // namespace percore::server
