// `client sweep`'s command word. sweep_command.cc is Linux (the sweep, which plots with gnuplot
// through posix_spawn); sweep_command_win.cc is Windows, where `sweep` is a one-line usage error.
#pragma once

namespace percore::client {

int sweep_main(int argc, const char* const* argv);

}  // namespace percore::client
