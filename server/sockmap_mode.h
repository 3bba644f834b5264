// `--mode echo --io sockmap`: the echo done inside the kernel by a BPF sockmap program
// (server/sockmap/). Built only where libbpf and clang were found at build time; otherwise these
// say so (server/sockmap_absent.cc).
#pragma once

#include <memory>
#include <string>

#include "server/mode.h"

namespace percore::server {

// Empty when `--io sockmap` can run here, else a one-line reason.
std::string sockmap_unavailable_reason();

// The in-kernel echo mode for one worker (loads that worker's BPF program and map), or nullptr
// with *error set.
std::unique_ptr<Mode> make_sockmap_echo(WorkerContext& ctx, std::string* error);

}  // namespace percore::server
