// The shared body of Backend::settle(): turn the loop, dropping what it delivers, until the
// backend's close_when_sent() sends are all done or the time is up.
#pragma once

#include <cstdint>

#include "core/io/backend.h"
#include "core/util/clock.h"

namespace percore::io {

inline constexpr int64_t kSettleSliceUs = 1000;

template <class StillSending>
void wait_until_settled(Backend& backend, int64_t timeout_us, StillSending still_sending) {
  Completion dropped[64];
  const int64_t end = util::now_ns() + timeout_us * 1000;
  while (still_sending()) {
    int64_t left_us = (end - util::now_ns()) / 1000;
    if (left_us <= 0) return;
    // In slices: a send that completes delivers nothing, so wait() alone would sleep on.
    backend.wait(dropped, 64, left_us < kSettleSliceUs ? left_us : kSettleSliceUs);
  }
}

}  // namespace percore::io
