#include "server/proxy/upstream_pool.h"

#include <spdlog/spdlog.h>

#include "core/util/clock.h"

namespace percore::server {
namespace {

// Long enough to stop hammering a dead upstream, short enough that a restarted one is back soon.
// Longer than udp-relay's 1 s: a wrong guess that an upstream is back costs a real request a
// connect timeout or a 502 here, where the relay loses a datagram and reads one ICMP error.
constexpr int64_t kFirstHoldNs = 3 * util::kNsPerSec;

double seconds(int64_t ns) {
  return static_cast<double>(ns) / static_cast<double>(util::kNsPerSec);
}

}  // namespace

UpstreamPool::UpstreamPool(const ServerOptions& options, stats::WorkerSlot& slot)
    : slot_(slot),
      idle_timers_(int64_t{options.upstream_idle_ms} * util::kNsPerMs),
      health_(options.upstreams.size(), kFirstHoldNs),
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
    if (!health_.up(b)) {
      if (probe < 0 || health_.until_ns(b) < health_.until_ns(static_cast<size_t>(probe))) {
        probe = static_cast<int>(b);
      }
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

// Requests still reach an upstream out of rotation when nothing else is left (pick()); an
// answer during the hold does not end it, so a flapping upstream (some connects refused, some
// answered) is one "out" line and, once it is steady, one "back", not a line per request.
void UpstreamPool::on_failure(int b, int64_t now_ns, const char* why) {
  int64_t hold = health_.fail(static_cast<size_t>(b), now_ns);
  if (hold == 0) return;  // out already: the hold restarted
  slot_.upstreams[b].up.store(0, std::memory_order_relaxed);
  spdlog::warn("backend {} out of rotation for {:g}s{}: {}", upstreams_[b].name, seconds(hold),
               hold > health_.first_hold_ns() ? " (failed again soon after coming back)" : "", why);
}

void UpstreamPool::on_success(int b, int64_t now_ns) {
  if (health_.try_back(static_cast<size_t>(b), now_ns)) bring_back(b, "it answered");
}

void UpstreamPool::on_timer(int64_t now_ns) {
  health_.expire(now_ns, [&](size_t b) { bring_back(static_cast<int>(b), "hold over"); });
}

void UpstreamPool::bring_back(int b, const char* why) {
  size_t u = static_cast<size_t>(b);
  slot_.upstreams[b].up.store(1, std::memory_order_relaxed);
  spdlog::info(
      "backend {} back in rotation: {} ({:g}s without a failure; {} more failed while out)",
      upstreams_[b].name, why, seconds(health_.hold_ns(u)), health_.failures_while_out(u));
}

}  // namespace percore::server
