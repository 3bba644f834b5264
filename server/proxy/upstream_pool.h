// Per-worker view of the proxy's upstreams: which one takes the next request (round-robin or
// least-connections), which are out of rotation after a failure (passive health, logged), and
// each upstream's pool of idle keep-alive connections.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/net/address.h"
#include "core/stats/worker_slots.h"
#include "core/util/deadline_list.h"
#include "server/options.h"
#include "server/proxy/proxy_conns.h"
#include "server/upstream_holddown.h"

namespace percore::server {

class UpstreamPool {
 public:
  UpstreamPool(const ServerOptions& options, stats::WorkerSlot& slot);

  size_t size() const { return upstreams_.size(); }
  const net::Address& address(int b) const { return upstreams_[b].addr; }
  const std::string& name(int b) const { return upstreams_[b].name; }
  stats::UpstreamSlot& stats(int b) { return slot_.upstreams[b]; }

  // The upstream for the next attempt, skipping those in `tried` (bit per upstream). Upstreams out
  // of rotation are used only when every other one was tried. -1: none left.
  int pick(uint64_t tried);

  // Requests in flight per upstream, for least-conn.
  void add_busy(int b, int delta) { upstreams_[b].busy += delta; }

  // The most recently used idle connection of an upstream, or nullptr.
  UpstreamConn* take_idle(int b);
  // Pools a connection; false when the pool is full (the caller closes it).
  bool put_idle(UpstreamConn* up, int64_t now_ns);
  // Unpools a connection that the upstream closed or that expired.
  void remove_idle(UpstreamConn* up);
  // An idle connection past its idle timeout, or nullptr.
  UpstreamConn* pop_expired(int64_t now_ns);
  int64_t next_deadline() const { return idle_timers_.next_deadline(); }
  // Every pooled connection, for draining.
  template <class F>
  void for_each_idle(F&& f) {
    for (Upstream& b : upstreams_) {
      while (!b.idle.empty()) {
        UpstreamConn* up = b.idle.back();
        remove_idle(up);
        f(up);
      }
    }
  }

  // Passive health (UpstreamHoldDown): a failed connect or a timeout takes the upstream out of
  // rotation for a hold of a few seconds (longer when it relapses soon after coming back); it is
  // back once a whole hold passed without a failure. Each change is logged once.
  void on_failure(int b, int64_t now_ns, const char* why);
  void on_success(int b, int64_t now_ns);
  void on_timer(int64_t now_ns);
  bool in_rotation(int b) const { return health_.up(static_cast<size_t>(b)); }
  int64_t hold_ns(int b) const { return health_.hold_ns(static_cast<size_t>(b)); }

 private:
  struct Upstream {
    net::Address addr;
    std::string name;
    int32_t busy = 0;
    std::vector<UpstreamConn*> idle;
  };
  void bring_back(int b, const char* why);

  std::vector<Upstream> upstreams_;
  stats::WorkerSlot& slot_;
  util::DeadlineList idle_timers_;
  UpstreamHoldDown health_;
  Balance balance_;
  size_t max_idle_;
  size_t next_ = 0;  // round-robin cursor
};

}  // namespace percore::server
