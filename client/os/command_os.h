// What the command steps (client/command.h) and main() ask of the operating system: the stop
// flag, the wall clock, the host name, and the network stack's start. command_os.cc is Linux
// (sigaction, clock_gettime, gethostname), command_os_win.cc Windows (SetConsoleCtrlHandler,
// std::chrono::system_clock, GetComputerNameA, WSAStartup).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace percore::client {

// The flag SIGINT and SIGTERM set (installed once by arm_stop_signals), so a run ends early with
// its results so far. On Windows: Ctrl-C, Ctrl-Break and console close.
const std::atomic<bool>* arm_stop_signals();

// Sleeps until the wall clock reaches `unix_ms` (at once if it has); false when stopped first.
bool wait_until_wall_clock(int64_t unix_ms, const std::atomic<bool>* stop);
int64_t wall_clock_ms();
std::string this_host_name();

// Called first in main(): the preflight connect runs before any backend exists, so Windows starts
// Winsock here (Linux has nothing to start). False, with a line on stderr, when it cannot.
bool start_networking();

}  // namespace percore::client
