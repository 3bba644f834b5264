// The one portable piece of core/proc/affinity.h: which CPU a worker goes on. The rest is per
// system (affinity.cc, affinity_win.cc).
#include <algorithm>

#include "core/proc/affinity.h"

namespace percore::proc {

int core_for_worker(const std::vector<int>& allowed, int start, int index, bool* wrapped) {
  int want = start + index;
  *wrapped = false;
  if (std::find(allowed.begin(), allowed.end(), want) != allowed.end()) return want;
  *wrapped = true;
  return allowed[static_cast<size_t>(want) % allowed.size()];
}

}  // namespace percore::proc
