// The few calls a worker makes that differ between a forked process (Linux,
// worker_platform.cc) and a thread (Windows, worker_platform_win.cc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "server/options.h"

namespace percore::server::platform {

// The number that names a worker in its statistics slot and log lines (its process id on Linux,
// its thread id on Windows), and the word for it there ("pid", "thread").
int32_t worker_id();
const char* worker_id_kind();

// The worker's own socket for options.listen[i], set up for this core, or -errno. Linux: every
// worker binds its own (SO_REUSEPORT). Windows has no SO_REUSEPORT, so the master opens every
// socket and this is never called there.
int open_worker_socket(const ServerOptions& options, Transport transport, size_t i, int core);

}  // namespace percore::server::platform
