// Maps a registered socket's token to its fd so that an io_uring completion, which carries only
// the token, finds its socket; open addressing, so lookups and updates never allocate.
#pragma once

#include <cstdint>
#include <vector>

namespace percore::io {

class TokenMap {
 public:
  explicit TokenMap(size_t capacity = 1024) : slots_(round_up(capacity)) {}

  // Returns the fd registered under the token, or -1.
  int find(uint64_t token) const {
    size_t mask = slots_.size() - 1;
    for (size_t i = hash(token) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.token == kEmpty) return -1;
      if (s.token == token) return s.fd;
    }
  }

  // Returns false if the token is already present.
  bool insert(uint64_t token, int fd) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = hash(token) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.token == token) return false;
      if (s.token == kEmpty) {
        s = Slot{token, fd};
        ++size_;
        return true;
      }
    }
  }

  void erase(uint64_t token) {
    size_t mask = slots_.size() - 1;
    size_t i = hash(token) & mask;
    while (slots_[i].token != token) {
      if (slots_[i].token == kEmpty) return;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
      if (slots_[j].token == kEmpty) break;
      size_t home = hash(slots_[j].token) & mask;
      // Move slot j into the hole at i unless its home lies cyclically in (i, j].
      bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = Slot{};
    --size_;
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t token = kEmpty;
    int fd = -1;
  };

  static size_t round_up(size_t n) {
    size_t c = 16;
    while (c < n) c *= 2;
    return c;
  }
  static size_t hash(uint64_t t) { return static_cast<size_t>((t * 0x9E3779B97F4A7C15ull) >> 20); }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old) {
      if (s.token != kEmpty) insert(s.token, s.fd);
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace percore::io
