// Tells, for one stream of sequence numbers, whether a datagram is new, reordered (older than
// one already seen, but not seen itself), a duplicate, or too old to tell (more than a window of
// datagrams behind). A bitmap window over the last kWindow sequence numbers; no allocation after
// construction.
#pragma once

#include <cstdint>
#include <vector>

namespace percore::client {

class SeqTracker {
 public:
  static constexpr uint64_t kWindow = uint64_t{1} << 16;
  enum class Seen { kNew, kReordered, kDuplicate, kTooOld };

  SeqTracker() : bits_(kWindow / 64) {}

  Seen record(uint64_t seq) {
    if (!any_ || seq > highest_) {
      if (any_) clear_range(highest_ + 1, seq);
      any_ = true;
      highest_ = seq;
      set(seq);
      ++unique_;
      return Seen::kNew;
    }
    if (highest_ - seq >= kWindow) return Seen::kTooOld;
    if (test(seq)) return Seen::kDuplicate;
    set(seq);
    ++unique_;
    return Seen::kReordered;
  }

  uint64_t unique() const { return unique_; }
  // The highest sequence number seen plus one (0 when none): what a sender must have sent at least.
  uint64_t span() const { return any_ ? highest_ + 1 : 0; }

 private:
  void set(uint64_t s) { bits_[(s % kWindow) / 64] |= uint64_t{1} << (s % 64); }
  bool test(uint64_t s) const { return (bits_[(s % kWindow) / 64] >> (s % 64)) & 1; }
  // Clears the bits of [from, to) before they are reused for new numbers.
  void clear_range(uint64_t from, uint64_t to) {
    if (to - from >= kWindow) {
      for (uint64_t& w : bits_) w = 0;
      return;
    }
    for (uint64_t s = from; s < to; ++s) bits_[(s % kWindow) / 64] &= ~(uint64_t{1} << (s % 64));
  }

  std::vector<uint64_t> bits_;
  uint64_t highest_ = 0;
  uint64_t unique_ = 0;
  bool any_ = false;
};

}  // namespace percore::client
