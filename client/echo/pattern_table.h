// The bytes `client echo` sends, chosen so that every echoed byte can be checked without keeping
// what was sent: connection stream offset i carries table[(seed + i) % kPeriod], a fixed
// pseudo-random sequence. Sends point straight into the table (no copy, no allocation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace percore::client {

class PatternTable {
 public:
  // Prime, so that messages of any power-of-two size start at ever-changing phases and a
  // duplicated or dropped message never lines up with the expected bytes.
  static constexpr uint32_t kPeriod = 65521;

  // Holds kPeriod + max_span bytes, so that any span of up to max_span bytes is contiguous.
  explicit PatternTable(size_t max_span);

  // The stream's bytes from `offset` on for a connection with `seed`; `max_span()` of them are
  // readable from the returned pointer.
  const char* at(uint32_t seed, uint64_t offset) const {
    return table_.data() + (seed + offset) % kPeriod;
  }
  size_t max_span() const { return max_span_; }

  // True when `data` is exactly the stream's bytes at `offset` (any length).
  bool matches(uint32_t seed, uint64_t offset, const char* data, size_t len) const;

  // A connection's seed: distinct per worker and connection so that cross-wired streams differ.
  static uint32_t seed_for(int worker, uint32_t connection);

 private:
  size_t max_span_;
  std::vector<char> table_;
};

}  // namespace percore::client
