// CPU pinning: which CPUs this process may use, and pinning the calling thread to one.
#pragma once

#include <vector>

namespace percore::proc {

// The CPUs the calling thread may run on, ascending.
std::vector<int> allowed_cpus();

// The core for worker `index` when the first worker goes on `start`: start+index when that CPU
// is allowed, otherwise wrapped onto the allowed set (and *wrapped set to true).
int core_for_worker(const std::vector<int>& allowed, int start, int index, bool* wrapped);

// CPUs online (at least 1): the default worker count.
int online_cpus();

// Pins the calling thread to one CPU; returns 0 or -errno.
int pin_to_cpu(int cpu);

}  // namespace percore::proc
