// Fixed log-linear latency buckets (four per power of two of microseconds, 1 us to ~4 min) small
// enough to live in a shared-memory worker slot: one writer adds, readers sum and read quantiles.
#pragma once

#include <atomic>
#include <cstdint>

namespace percore::stats {

inline constexpr int kLatencyBuckets = 112;  // 28 octaves: up to ~268 s

// The bucket of a duration.
inline int latency_bucket(int64_t ns) {
  uint64_t us = ns > 1000 ? static_cast<uint64_t>(ns) / 1000 : 1;
  int octave = 63 - __builtin_clzll(us);
  int sub = octave >= 2 ? static_cast<int>((us >> (octave - 2)) & 3)
                        : static_cast<int>((us << (2 - octave)) & 3);
  int b = octave * 4 + sub;
  return b < kLatencyBuckets ? b : kLatencyBuckets - 1;
}

// The upper bound of a bucket, in microseconds.
inline double latency_bucket_upper_us(int b) {
  int octave = b / 4, sub = b % 4;
  return static_cast<double>(uint64_t{5u + static_cast<unsigned>(sub)} << octave) / 4.0;
}

// The q-quantile (0..1) of summed bucket counts in microseconds, 0 when empty.
inline double latency_quantile_us(const uint64_t (&counts)[kLatencyBuckets], double q) {
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  if (total == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total) + 0.5);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (int b = 0; b < kLatencyBuckets; ++b) {
    seen += counts[b];
    if (seen >= rank) return latency_bucket_upper_us(b);
  }
  return latency_bucket_upper_us(kLatencyBuckets - 1);
}

}  // namespace percore::stats
