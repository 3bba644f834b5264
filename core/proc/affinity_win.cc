#include <errno.h>
#include <windows.h>

#include <algorithm>

#include "core/proc/affinity.h"

namespace percore::proc {

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  DWORD_PTR process = 0, system = 0;
  if (GetProcessAffinityMask(GetCurrentProcess(), &process, &system)) {
    for (int cpu = 0; cpu < 64; ++cpu) {
      if (process & (DWORD_PTR{1} << cpu)) cpus.push_back(cpu);
    }
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

int online_cpus() {
  DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
  return n > 0 ? static_cast<int>(n) : 1;
}

int core_for_worker(const std::vector<int>& allowed, int start, int index, bool* wrapped) {
  int want = start + index;
  *wrapped = false;
  if (std::find(allowed.begin(), allowed.end(), want) != allowed.end()) return want;
  *wrapped = true;
  return allowed[static_cast<size_t>(want) % allowed.size()];
}

// SetThreadAffinityMask: always available (the seed's per-core worker pinning); CPUs beyond the
// first processor group (64) are not reachable this way.
int pin_to_cpu(int cpu) {
  if (cpu < 0 || cpu >= 64) return -EINVAL;
  return SetThreadAffinityMask(GetCurrentThread(), DWORD_PTR{1} << cpu) != 0 ? 0 : -EINVAL;
}

}  // namespace percore::proc
