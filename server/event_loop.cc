#include "server/event_loop.h"

#include <errno.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "core/log/logging.h"
#include "core/util/clock.h"

namespace percore::server {
namespace {

constexpr int kBatch = 256;
// After EMFILE/ENFILE the listeners rest this long: the pending connection stays queued in the
// kernel instead of the loop spinning on an accept that keeps failing.
constexpr int64_t kAcceptPauseNs = 100 * util::kNsPerMs;
// Even a drain that used its whole budget lets the answers already queued leave.
constexpr int64_t kMinSettleNs = 100 * util::kNsPerMs;

bool is_resource_shortage(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

}  // namespace

Listeners::~Listeners() {
  close_all();
}

int Listeners::add(int fd) {
  uint64_t token = kTag | fds_.size();
  fds_.push_back(fd);
  return backend_.start_accept(fd, token, wake_);
}

void Listeners::pause() {
  if (paused_) return;
  paused_ = true;
  for (int fd : fds_) backend_.stop_accept(fd);
}

void Listeners::resume() {
  if (!paused_) return;
  paused_ = false;
  for (size_t i = 0; i < fds_.size(); ++i) backend_.start_accept(fds_[i], kTag | i, wake_);
}

void Listeners::close_all() {
  for (int fd : fds_) backend_.close(fd);
  fds_.clear();
}

void run_event_loop(io::Backend& backend, Listeners& listeners, Mode& mode,
                    stats::WorkerSlot& stats, LoopSignals& signals, int drain_timeout_ms) {
  io::Completion comps[kBatch];
  int64_t now = util::now_ns();
  int64_t next_tick = now + util::kNsPerSec;
  int64_t accept_resume_at = INT64_MAX;
  int64_t drain_deadline = INT64_MAX;
  bool draining = false;
  uint64_t shortage_logged = 0;

  for (;;) {
    if (signals.reopen_log) {
      signals.reopen_log = 0;
      log::reopen();
    }
    if (signals.drain && !draining) {
      draining = true;
      listeners.close_all();
      accept_resume_at = INT64_MAX;
      mode.begin_drain(now);
      drain_deadline = now + int64_t{drain_timeout_ms} * util::kNsPerMs;
      spdlog::info("draining: stopped accepting, finishing in-flight requests");
    }
    if (draining && (mode.drained() || now >= drain_deadline)) {
      if (!mode.drained()) {
        spdlog::warn("drain timeout: closing the connections still open");
        mode.close_all();
      }
      // The last answers may still be on their way out of the mode's memory, which the caller
      // frees next.
      backend.settle(std::max(drain_deadline - now, kMinSettleNs) / 1000);
      return;
    }

    int64_t deadline = next_tick;
    for (int64_t d : {mode.next_deadline_ns(), accept_resume_at, drain_deadline}) {
      if (d < deadline) deadline = d;
    }
    int64_t timeout_us = deadline <= now ? 0 : (deadline - now) / 1000 + 1;
    int n = backend.wait(comps, kBatch, timeout_us);
    now = util::now_ns();
    for (int i = 0; i < n; ++i) {
      const io::Completion& c = comps[i];
      if (!Listeners::is_listener(c.token)) {
        mode.on_completion(c, now);
      } else if (c.result >= 0) {
        mode.on_accept(c.result, now);
      } else {
        stats.add(stats::kAcceptErrors);
        if (is_resource_shortage(-c.result) && !draining) {
          listeners.pause();
          accept_resume_at = now + kAcceptPauseNs;
          // One line per burst, not one per failed accept.
          if (stats.get(stats::kAcceptErrors) > shortage_logged + 1000 || shortage_logged == 0) {
            spdlog::warn("accept: {} (fd limit reached?); pausing accepts briefly",
                         strerror(-c.result));
            shortage_logged = stats.get(stats::kAcceptErrors);
          }
        }
      }
    }
    if (now >= accept_resume_at) {
      accept_resume_at = INT64_MAX;
      listeners.resume();
    }
    if (now >= next_tick || now >= mode.next_deadline_ns()) {
      mode.on_timer(now);
      if (now >= next_tick) next_tick = now + util::kNsPerSec;
    }
  }
}

}  // namespace percore::server
