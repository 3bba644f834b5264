#include "server/backend_holddown.h"

namespace percore::server {

BackendHoldDown::BackendHoldDown(size_t backends, int64_t first_hold_ns, int64_t max_hold_ns)
    : state_(backends),
      up_count_(backends),
      first_hold_ns_(first_hold_ns),
      max_hold_ns_(max_hold_ns) {}

int64_t BackendHoldDown::fail(size_t b, int64_t now_ns) {
  if (b >= state_.size()) return 0;
  State& s = state_[b];
  if (!s.up) return 0;
  // Failing again within one hold-down of coming back: the backend is still dead, wait longer.
  bool relapse = s.last_hold_ns > 0 && now_ns - s.up_since_ns < s.last_hold_ns;
  int64_t hold = first_hold_ns_;
  if (relapse) hold = s.last_hold_ns >= max_hold_ns_ / 2 ? max_hold_ns_ : 2 * s.last_hold_ns;
  s.up = false;
  s.until_ns = now_ns + hold;
  s.last_hold_ns = hold;
  --up_count_;
  if (s.until_ns < next_expiry_ns_) next_expiry_ns_ = s.until_ns;
  return hold;
}

}  // namespace percore::server
