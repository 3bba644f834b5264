#include <errno.h>
#include <windows.h>

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

// SetThreadAffinityMask: always available (the seed's per-core worker pinning); CPUs beyond the
// first processor group (64) are not reachable this way.
int pin_to_cpu(int cpu) {
  if (cpu < 0 || cpu >= 64) return -EINVAL;
  return SetThreadAffinityMask(GetCurrentThread(), DWORD_PTR{1} << cpu) != 0 ? 0 : -EINVAL;
}

}  // namespace percore::proc
