// Windows: workers are threads of one process, so the slots are ordinary memory (one
// cache-line-aligned slot per worker thread, each written by its thread only).
#include <new>

#include "core/stats/worker_slots.h"

namespace percore::stats {

WorkerSlots* WorkerSlots::create(int count) {
  size_t bytes = sizeof(WorkerSlot) * static_cast<size_t>(count);
  auto* slots =
      static_cast<WorkerSlot*>(::operator new (bytes, std::align_val_t{alignof(WorkerSlot)}));
  for (int i = 0; i < count; ++i) new (&slots[i]) WorkerSlot{};
  return new WorkerSlots(slots, count, bytes);
}

WorkerSlots::~WorkerSlots() {
  ::operator delete (slots_, std::align_val_t{alignof(WorkerSlot)});
}

}  // namespace percore::stats
