// A growable table of per-connection objects with stable addresses and generation-checked
// tokens: a completion that names a slot which was released (and perhaps reused) since is
// recognised as stale by its generation. Objects are recycled, not destroyed, so buffers they
// own keep their capacity.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/util/token_layout.h"

namespace percore::util {

struct SlabEntry {
  uint32_t slab_index = 0;
  uint32_t slab_gen = 0;  // odd while in use
};

template <class T>
class Slab {
  static constexpr uint32_t kChunk = 256;
  // Generation and index as core/util/token_layout.h lays the token out.
  static constexpr uint32_t kGenMask = (1u << kGenerationBits) - 1;

 public:
  // A free object, or a fresh one (the table grows a chunk at a time: allocation happens only
  // when the number of live connections reaches a new high).
  T* acquire() {
    if (free_.empty()) grow();
    T* t = free_.back();
    free_.pop_back();
    t->slab_gen = (t->slab_gen + 1) & kGenMask;
    ++live_;
    return t;
  }

  void release(T* t) {
    t->slab_gen = (t->slab_gen + 1) & kGenMask;
    free_.push_back(t);
    --live_;
  }

  static uint64_t token(const T* t) {
    return (uint64_t{t->slab_gen} << kGenerationShift) | t->slab_index;
  }

  // The live object the token names, or nullptr when the token is stale.
  T* lookup(uint64_t token) const {
    uint32_t index = static_cast<uint32_t>(token);
    uint32_t gen = static_cast<uint32_t>(token >> kGenerationShift) & kGenMask;
    if (index >= chunks_.size() * kChunk) return nullptr;
    T* t = &chunks_[index / kChunk][index % kChunk];
    return (t->slab_gen == gen && (gen & 1) == 1) ? t : nullptr;
  }

  size_t live() const { return live_; }

  // Visits every live object (for draining and shutdown).
  template <class F>
  void for_each_live(F&& f) {
    for (auto& chunk : chunks_) {
      for (uint32_t i = 0; i < kChunk; ++i) {
        if (chunk[i].slab_gen & 1) f(&chunk[i]);
      }
    }
  }

 private:
  void grow() {
    uint32_t base = static_cast<uint32_t>(chunks_.size()) * kChunk;
    chunks_.push_back(std::make_unique<T[]>(kChunk));
    T* chunk = chunks_.back().get();
    free_.reserve(chunks_.size() * kChunk);
    for (uint32_t i = kChunk; i-- > 0;) {
      chunk[i].slab_index = base + i;
      free_.push_back(&chunk[i]);
    }
  }

  std::vector<std::unique_ptr<T[]>> chunks_;
  std::vector<T*> free_;
  size_t live_ = 0;
};

}  // namespace percore::util
