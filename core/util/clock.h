// Monotonic time in nanoseconds, the one clock the event loops and timers use.
#pragma once

#include <time.h>

#include <cstdint>

namespace percore::util {

inline int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kNsPerSec = 1'000'000'000;

}  // namespace percore::util
