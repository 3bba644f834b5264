// The CPU time this process has used, user and system together: the client reports its own cost
// per request. process_cpu.cc is Linux (getrusage), process_cpu_win.cc Windows.
#pragma once

namespace percore::client {

double process_cpu_seconds();

}  // namespace percore::client
