// Resource limits a high-connection process wants raised before it starts.
#pragma once

#include <cstdint>

namespace percore::proc {

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the limit now in force.
uint64_t raise_fd_limit();

}  // namespace percore::proc
