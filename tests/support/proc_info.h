// What /proc says about the processes a test started: a server's workers and their memory.
#pragma once

#include <sys/types.h>

#include <vector>

namespace percore::test {

// The children of `pid`'s main thread (a master's workers), in the order the kernel lists them.
std::vector<pid_t> children_of(pid_t pid);
// The first of them, or -1 when there is none.
pid_t first_child(pid_t pid);
// Resident memory of `pid` in KiB, or -1 when it is gone.
long rss_kb(pid_t pid);
// Under AddressSanitizer freed blocks wait in a quarantine instead of being reused, so a
// server's RSS grows with every buffer it ever freed, not with what it holds. Call before
// starting a server whose memory a test measures: it turns the quarantine off for children.
void reuse_freed_memory_under_asan();

}  // namespace percore::test
