#include "server/proxy/upstream_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/util/clock.h"

namespace percore::server {
namespace {

// Long enough to stop hammering a dead upstream, short enough that a restarted one is back soon.
constexpr int64_t kDownNs = 3 * util::kNsPerSec;
// An upstream that fails again within this time of coming back is held out twice as long as the
// last time, up to kMaxDownNs: one that keeps dying costs a log line pair per hold, not per try.
constexpr int64_t kStableNs = 30 * util::kNsPerSec;
constexpr int64_t kMaxDownNs = 30 * util::kNsPerSec;

double seconds(int64_t ns) {
  return static_cast<double>(ns) / static_cast<double>(util::kNsPerSec);
}

}  // namespace

UpstreamPool::UpstreamPool(const ServerOptions& options, stats::WorkerSlot& slot)
    : slot_(slot),
      idle_timers_(int64_t{options.upstream_idle_ms} * util::kNsPerMs),
      balance_(options.balance),
      max_idle_(static_cast<size_t>(options.upstream_conns)) {
  for (const net::Address& addr : options.upstreams) {
    Upstream b;
    b.addr = addr;
    b.name = addr.to_string();
    upstreams_.push_back(std::move(b));
  }
  for (size_t b = 0; b < upstreams_.size(); ++b) {
    slot_.upstreams[b].configured.store(1, std::memory_order_relaxed);
    slot_.upstreams[b].up.store(1, std::memory_order_relaxed);
  }
}

int UpstreamPool::pick(uint64_t tried) {
  size_t n = upstreams_.size();
  int best = -1;
  int probe = -1;  // an untried upstream that is out of rotation
  for (size_t i = 0; i < n; ++i) {
    size_t b = (next_ + i) % n;
    if (tried & (uint64_t{1} << b)) continue;
    const Upstream& be = upstreams_[b];
    if (!be.up) {
      if (probe < 0 || be.down_until < upstreams_[probe].down_until) probe = static_cast<int>(b);
      continue;
    }
    if (best < 0) {
      best = static_cast<int>(b);
      if (balance_ == Balance::kRoundRobin) break;
    } else if (be.busy < upstreams_[best].busy) {
      best = static_cast<int>(b);
    }
  }
  if (best < 0) best = probe;
  if (best >= 0) next_ = (static_cast<size_t>(best) + 1) % n;
  return best;
}

UpstreamConn* UpstreamPool::take_idle(int b) {
  std::vector<UpstreamConn*>& idle = upstreams_[b].idle;
  if (idle.empty()) return nullptr;
  UpstreamConn* up = idle.back();
  remove_idle(up);
  return up;
}

bool UpstreamPool::put_idle(UpstreamConn* up, int64_t now_ns) {
  std::vector<UpstreamConn*>& idle = upstreams_[up->upstream].idle;
  if (idle.size() >= max_idle_) return false;
  up->pool_pos = static_cast<int32_t>(idle.size());
  idle.push_back(up);
  idle_timers_.arm(up, now_ns);
  return true;
}

void UpstreamPool::remove_idle(UpstreamConn* up) {
  util::DeadlineList::cancel(up);
  if (up->pool_pos < 0) return;
  std::vector<UpstreamConn*>& idle = upstreams_[up->upstream].idle;
  UpstreamConn* last = idle.back();
  idle[static_cast<size_t>(up->pool_pos)] = last;
  last->pool_pos = up->pool_pos;
  idle.pop_back();
  up->pool_pos = -1;
}

UpstreamConn* UpstreamPool::pop_expired(int64_t now_ns) {
  util::DeadlineLink* link = idle_timers_.pop_expired(now_ns);
  if (link == nullptr) return nullptr;
  auto* up = static_cast<UpstreamConn*>(link);
  remove_idle(up);
  return up;
}

void UpstreamPool::set_up(int b, bool up) {
  upstreams_[b].up = up;
  slot_.upstreams[b].up.store(up ? 1 : 0, std::memory_order_relaxed);
}

// Hysteresis: out at the first failure, back only after a whole hold without one. Each failure
// while out restarts the hold, and an answer during it does not end it: a flapping upstream
// (some connects refused, some answered) is one "out" line and, once it is steady, one "back",
// not a line per request. Requests still reach it when nothing else is left (pick()).
void UpstreamPool::on_failure(int b, int64_t now_ns, const char* why) {
  Upstream& be = upstreams_[b];
  if (!be.up) {
    ++be.failures_while_out;
    be.down_until = now_ns + be.hold_ns;
    return;
  }
  bool relapse = be.back_at != 0 && now_ns - be.back_at < kStableNs;
  be.hold_ns = relapse ? std::min(be.hold_ns * 2, kMaxDownNs) : kDownNs;
  be.down_until = now_ns + be.hold_ns;
  be.failures_while_out = 0;
  set_up(b, false);
  spdlog::warn("backend {} out of rotation for {:g}s{}: {}", be.name, seconds(be.hold_ns),
               relapse ? " (failed again soon after coming back)" : "", why);
}

void UpstreamPool::on_success(int b, int64_t now_ns) {
  Upstream& be = upstreams_[b];
  if (be.up || now_ns < be.down_until) return;
  bring_back(b, now_ns, "it answered");
}

void UpstreamPool::on_timer(int64_t now_ns) {
  for (size_t b = 0; b < upstreams_.size(); ++b) {
    Upstream& be = upstreams_[b];
    if (be.up || now_ns < be.down_until) continue;
    bring_back(static_cast<int>(b), now_ns, "hold over");
  }
}

void UpstreamPool::bring_back(int b, int64_t now_ns, const char* why) {
  Upstream& be = upstreams_[b];
  set_up(b, true);
  be.back_at = now_ns;
  spdlog::info(
      "backend {} back in rotation: {} ({:g}s without a failure; {} more failed while out)",
      be.name, why, seconds(be.hold_ns), be.failures_while_out);
}

}  // namespace percore::server
