// File descriptors a run needs against what the process may open. The client raises
// RLIMIT_NOFILE to its hard limit first; a -c that still cannot fit is refused before the run,
// rather than discovered as a storm of EMFILE connects.
#pragma once

#include <cstdint>
#include <string>

namespace percore::client {

// Descriptors beyond one per connection: stdio, the report file, and per thread its event
// loop (epoll or io_uring, eventfd, timerfd) with room to spare.
inline constexpr uint64_t kFdReserve = 32;
inline constexpr uint64_t kFdsPerThread = 8;

uint64_t fds_needed(int connections, int threads);

// Raises the limit, then checks that `connections` fit. False with a one-line reason when not.
bool check_fd_budget(int connections, int threads, std::string* error);

}  // namespace percore::client
