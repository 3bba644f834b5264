// The pattern table's bytes (xorshift32, fixed seed: the same on every run and host) and the
// verifier, which compares with memcmp a contiguous span at a time.
#include "client/echo/pattern_table.h"

#include <algorithm>
#include <cstring>

namespace percore::client {

PatternTable::PatternTable(size_t max_span)
    : max_span_(std::max<size_t>(max_span, 1)), table_(kPeriod + max_span_) {
  uint32_t x = 0x9e3779b9;
  for (size_t i = 0; i < kPeriod; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    table_[i] = static_cast<char>(x >> 24);
  }
  for (size_t i = kPeriod; i < table_.size(); ++i) table_[i] = table_[i % kPeriod];
}

bool PatternTable::matches(uint32_t seed, uint64_t offset, const char* data, size_t len) const {
  while (len > 0) {
    size_t n = std::min(len, max_span_);
    if (std::memcmp(at(seed, offset), data, n) != 0) return false;
    offset += n;
    data += n;
    len -= n;
  }
  return true;
}

uint32_t PatternTable::seed_for(int worker, uint32_t connection) {
  uint64_t mixed =
      (uint64_t{static_cast<uint32_t>(worker)} << 32 | connection) * 0x9e3779b97f4a7c15ULL;
  return static_cast<uint32_t>((mixed >> 32) % kPeriod);
}

}  // namespace percore::client
