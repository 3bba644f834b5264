// Linux: the slots live in one shared anonymous mapping, made before the master forks, so that
// every worker process writes its own slot and the master reads them all.
#include <sys/mman.h>

#include <new>

#include "core/stats/worker_slots.h"

namespace percore::stats {

WorkerSlots* WorkerSlots::create(int count) {
  size_t bytes = sizeof(WorkerSlot) * static_cast<size_t>(count);
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  auto* slots = static_cast<WorkerSlot*>(mem);
  for (int i = 0; i < count; ++i) new (&slots[i]) WorkerSlot{};
  return new WorkerSlots(slots, count, bytes);
}

WorkerSlots::~WorkerSlots() {
  munmap(slots_, bytes_);
}

}  // namespace percore::stats
