// What the running kernel offers for listener steering, read from uname and /proc/sys.
#pragma once

namespace percore::proc {

// True when the running kernel's release is at least major.minor.
bool kernel_at_least(int major, int minor);

// net.ipv4.tcp_migrate_req of this network namespace: 1 when a listener that leaves a
// SO_REUSEPORT group hands its queued connections to the others, 0 when they are reset, -1 when
// the kernel has no such setting (older than 5.14) or it cannot be read.
int tcp_migrate_req();

}  // namespace percore::proc
