// The worker's event loop and connection lifecycle, shared by every protocol. Hot-path rules: no
// exceptions, no allocation per request (slots and slab are sized before the loop), no logging;
// every failure becomes a counter in stats_ and a reconnect.
#include "client/run/load_worker.h"

#include <errno.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <algorithm>

#include "client/run/source_addresses.h"
#include "core/net/socket.h"
#include "core/proc/affinity.h"

namespace percore::client {

LoadWorker::LoadWorker(const Options& options, WorkerPlan plan, const std::atomic<bool>* stop)
    : options_(options),
      plan_(plan),
      stop_(stop),
      timeouts_(options.timeout_ns),
      backoff_(kBackoffNs),
      resource_backoff_(kResourceBackoffNs) {
  if (plan_.rate > 0)
    schedule_ = RateScheduler(plan_.start_ns, plan_.rate, plan_.rate_index, plan_.rate_stride);
}

bool LoadWorker::run(std::string* error) {
  if (plan_.cpu >= 0) proc::pin_to_cpu(plan_.cpu);
#if defined(__linux__)
  // Open loop sleeps until each request's intended time; the default 50 us timer slack would
  // make every send late by that much, and the corrected latency would bill it to the server.
  if (plan_.rate > 0) prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
  backend_ = io::make_backend(plan_.backend, error, plan_.traffic);
  if (!backend_) {
    mark_done(util::now_ns());
    return false;
  }
  make_slots();
  ready_.reserve(slots_.size());
  initial_pending_ = static_cast<int>(slots_.size());
  int64_t now = util::now_ns();
  for (Slot* s : slots_) start_connect(*s, now);
  loop();
  return true;
}

void LoadWorker::loop() {
  io::Completion completions[kMaxCompletions];
  int64_t next_publish = plan_.start_ns + util::kNsPerSec;
  while (true) {
    int64_t now = util::now_ns();
    if (now >= plan_.end_ns || stop_->load(std::memory_order_relaxed)) break;
    if (quota_reached() && in_flight_total_ == 0) break;
    if (plan_.rate > 0) {
      if (!schedule_started_ &&
          (initial_pending_ == 0 || now >= plan_.start_ns + options_.timeout_ns)) {
        start_pace(now);
      }
      if (schedule_started_) dispatch_due(now);
    }
    expire(now);
    if (now >= next_publish) {
      publish();
      next_publish += util::kNsPerSec;
    }
    int n = backend_->wait(completions, kMaxCompletions, wait_timeout_us(now));
    for (int i = 0; i < n; ++i) dispatch(completions[i]);
  }
  finish(util::now_ns());
}

int64_t LoadWorker::wait_timeout_us(int64_t now) const {
  int64_t next = std::min({plan_.end_ns, timeouts_.next_deadline(), backoff_.next_deadline(),
                           resource_backoff_.next_deadline(), now + kMaxWaitNs});
  if (plan_.rate > 0 && schedule_started_ && !ready_.empty()) {
    next = std::min(next, schedule_.intended_ns(next_k_));
  }
  // The backend sleeps with microsecond precision, so the open-loop pace stays accurate
  // without polling.
  int64_t delta = next - now;
  return delta <= 0 ? 0 : delta / 1000;
}

void LoadWorker::dispatch(const io::Completion& c) {
  uint32_t index = static_cast<uint32_t>(c.token & 0xffffffff);
  if (index >= slots_.size()) return;
  Slot& slot = *slots_[index];
  if (!slot.matches(c.token)) return;  // a completion for a socket closed since
  int64_t now = util::now_ns();
  switch (c.op) {
    case io::Op::kConnect:
      on_connect(slot, c.result, now);
      break;
    case io::Op::kSend:
      on_sent(slot, c.result, now);
      break;
    case io::Op::kRecv:
      on_recv(slot, c.data, c.result, now);
      break;
    case io::Op::kAccept:
    case io::Op::kClosed:
    case io::Op::kRecvFrom:
    case io::Op::kSendTo:
      break;
  }
}

void LoadWorker::start_connect(Slot& slot, int64_t now) {
  if (stopping_) return;
  ++stats_.connects_requested;
  int fd = open_socket();
  if (fd < 0) {
    fail(slot, ErrorPhase::kConnect, -fd, now);
    return;
  }
  ++slot.generation;
  slot.fd = fd;
  slot.state = ConnState::kConnecting;
  on_new_socket(slot);
  timeouts_.arm(&slot, now);
  int rc = backend_->connect(fd, slot.token(), options_.url.address.sa(), options_.url.address.len);
  if (rc < 0) fail(slot, ErrorPhase::kConnect, -rc, now);  // EADDRNOTAVAIL lands here
}

int LoadWorker::open_socket() {
  int fd = net::stream_socket(options_.url.address);
  if (fd < 0) return fd;
  net::set_nodelay(fd);
  if (!options_.sources.empty()) {
    // Workers start at different sources so that small -c still spreads over them.
    const auto& sources = options_.sources;
    size_t i = (next_source_++ + static_cast<size_t>(plan_.index)) % sources.size();
    int rc = bind_source(fd, sources[i]);
    if (rc < 0) {
      net::close_socket(fd);
      return rc;
    }
  }
  return fd;
}

void LoadWorker::on_connect(Slot& slot, int result, int64_t now) {
  if (result < 0) {
    fail(slot, ErrorPhase::kConnect, -result, now);
    return;
  }
  ++stats_.connects_established;
  initial_done(slot);
  slot.state = ConnState::kOpen;
  util::DeadlineList::cancel(&slot);
  on_capacity(slot, now);
}

void LoadWorker::on_sent(Slot& slot, int result, int64_t now) {
  slot.sending = false;
  if (result < 0) {
    fail(slot, ErrorPhase::kWrite, -result, now);
    return;
  }
  stats_.bytes_out += static_cast<uint64_t>(result);
  on_capacity(slot, now);
}

void LoadWorker::on_recv(Slot& slot, const char* data, int result, int64_t now) {
  if (slot.state == ConnState::kDraining) {
    // Anything after the last answer, even a reset, ends the connection without an error.
    if (result <= 0) closed_by_server(slot, now);
    return;
  }
  if (result < 0) {
    fail(slot, ErrorPhase::kRead, -result, now);
    return;
  }
  if (result == 0) {
    on_eof(slot, now);
    return;
  }
  stats_.bytes_in += static_cast<uint64_t>(result);
  on_data(slot, data, static_cast<size_t>(result), now);
}

InFlight LoadWorker::take_answered(Slot& slot) {
  --in_flight_total_;
  return slot.pop();
}

void LoadWorker::after_progress(Slot& slot, int64_t now) {
  if (slot.in_flight > 0) {
    timeouts_.arm(&slot, now);  // the timeout counts from the last progress
  } else {
    util::DeadlineList::cancel(&slot);
  }
  on_capacity(slot, now);
}

void LoadWorker::drain(Slot& slot, int64_t now) {
  slot.state = ConnState::kDraining;
  timeouts_.arm(&slot, now);
}

void LoadWorker::fail(Slot& slot, ErrorPhase phase, int err, int64_t now) {
  stats_.add_error(phase, err);
  bool connecting = slot.state == ConnState::kConnecting || slot.fd < 0;
  if (connecting) initial_done(slot);
  close_conn(slot, true);
  if (connecting) {
    // Back off before retrying so a refused port does not turn into a busy loop. The errors
    // stay counted by kind (connect EMFILE ...) in the report.
    slot.state = ConnState::kBackoff;
    bool short_of_resources =
        err == EMFILE || err == ENFILE || err == EADDRNOTAVAIL || err == ENOBUFS || err == ENOMEM;
    if (!stopping_) (short_of_resources ? resource_backoff_ : backoff_).arm(&slot, now);
  } else {
    start_connect(slot, now);
  }
}

void LoadWorker::initial_done(Slot& slot) {
  if (!slot.initial) return;
  slot.initial = false;
  --initial_pending_;
}

void LoadWorker::close_conn(Slot& slot, bool lost) {
  util::DeadlineList::cancel(&slot);
  for (uint32_t i = 0; i < slot.in_flight; ++i) {
    if (!measured(slot.at(i))) continue;
    ++(lost ? stats_.lost : stats_.in_flight_at_end);
  }
  in_flight_total_ -= slot.in_flight;
  slot.in_flight = 0;
  slot.head = 0;
  if (slot.fd >= 0) {
    // Contract: a socket the backend refused to register is still ours to close.
    if (backend_->close(slot.fd) == -EBADF) net::close_socket(slot.fd);
  }
  slot.fd = -1;
  ++slot.generation;
  slot.sending = false;
  slot.state = ConnState::kIdle;
}

void LoadWorker::reconnect(Slot& slot, int64_t now) {
  close_conn(slot, true);
  if (quota_reached()) return;
  start_connect(slot, now);
}

void LoadWorker::expire(int64_t now) {
  while (util::DeadlineLink* link = timeouts_.pop_expired(now)) {
    Slot& slot = *static_cast<Slot*>(link);
    switch (slot.state) {
      case ConnState::kConnecting:
        fail(slot, ErrorPhase::kConnectTimeout, ETIMEDOUT, now);
        break;
      case ConnState::kOpen:
        if (slot.in_flight > 0) fail(slot, ErrorPhase::kReadTimeout, ETIMEDOUT, now);
        break;
      case ConnState::kDraining:
        reconnect(slot, now);  // the server never closed; not an error, the answer was fine
        break;
      default:
        break;
    }
  }
  for (util::DeadlineList* list : {&backoff_, &resource_backoff_}) {
    while (util::DeadlineLink* link = list->pop_expired(now)) {
      start_connect(*static_cast<Slot*>(link), now);
    }
  }
}

bool LoadWorker::can_send(const Slot& slot) const {
  return slot.state == ConnState::kOpen && !slot.sending && room(slot) > 0;
}

void LoadWorker::on_capacity(Slot& slot, int64_t now) {
  if (!can_send(slot)) return;
  if (plan_.rate > 0) {
    if (!slot.in_ready) {
      slot.in_ready = true;
      ready_.push_back(slot.index);
    }
    return;
  }
  fill(slot, now);
}

// Closed loop: keep the connection as busy as the protocol allows.
void LoadWorker::fill(Slot& slot, int64_t now) {
  uint64_t count = room(slot);
  if (plan_.quota > 0 && now >= plan_.measure_ns) {
    count = std::min(count, plan_.quota - std::min(plan_.quota, measured_sent_));
  }
  if (count == 0) return;
  send_batch(slot, static_cast<uint32_t>(count), 0, now);
}

// The pace starts once the connections are up (or --timeout has passed), at the first grid point
// from then on, so connecting is not billed as latency. Grid points that passed while connecting
// are counted at the end as due but not sent (not_sent_connecting).
void LoadWorker::start_pace(int64_t now) {
  int64_t pace_start = std::max(now, plan_.start_ns);
  first_k_ = schedule_.due_by(pace_start - 1);
  next_k_ = first_k_;
  stats_.pace_delay_ns = pace_start - plan_.start_ns;
  schedule_started_ = true;
}

// Open loop: hand every request that is due to a connection that can take it. Requests due while
// no connection is free wait here, and their latency still counts from their intended time.
void LoadWorker::dispatch_due(int64_t now) {
  uint64_t due = schedule_.due_by(now);
  while (next_k_ < due && !ready_.empty()) {
    if (quota_reached()) return;
    Slot& slot = *slots_[ready_.back()];
    ready_.pop_back();
    slot.in_ready = false;
    if (!can_send(slot)) continue;
    uint64_t count = std::min<uint64_t>(room(slot), due - next_k_);
    send_batch(slot, static_cast<uint32_t>(count), next_k_, now);
    next_k_ += count;
  }
}

void LoadWorker::send_batch(Slot& slot, uint32_t count, uint64_t first_k, int64_t now) {
  bool was_idle = slot.in_flight == 0;
  for (uint32_t i = 0; i < count; ++i) {
    int64_t intended = plan_.rate > 0 ? schedule_.intended_ns(first_k + i) : now;
    slot.push(InFlight{intended, now});
    if (intended >= plan_.measure_ns) {
      ++stats_.sent;
      ++measured_sent_;
      // The client's own lateness: how much of the corrected latency happened before the send.
      if (plan_.rate > 0) stats_.send_lag.record(now - intended);
    } else {
      ++stats_.warmup_requests;
    }
  }
  in_flight_total_ += count;
  slot.sending = true;
  prepare_send(slot, count);
  if (was_idle) timeouts_.arm(&slot, now);
  int rc = backend_->send(slot.fd, &slot.iov, 1);
  if (rc < 0) fail(slot, ErrorPhase::kWrite, -rc, now);
}

void LoadWorker::finish(int64_t now) {
  stopping_ = true;
  if (plan_.rate > 0) count_not_sent(now);
  for (Slot* s : slots_) {
    if (s->fd >= 0 || s->in_flight > 0) close_conn(*s, false);
    util::DeadlineList::cancel(s);
  }
  backend_.reset();
  mark_done(now);
}

// Requests of the schedule due before the end (only grid points inside the run) that never went
// out: those that passed while the connections were opening, and those no connection was free
// to take. Only measured ones (due after the warmup) count.
void LoadWorker::count_not_sent(int64_t now) {
  uint64_t due = schedule_.due_by(std::min(now, plan_.end_ns - 1));
  uint64_t first_measured = schedule_.due_by(plan_.measure_ns - 1);
  auto measured_in = [&](uint64_t from, uint64_t to) {
    from = std::max(from, first_measured);
    return to > from ? to - from : 0;
  };
  uint64_t pace_from = schedule_started_ ? std::min(first_k_, due) : due;
  uint64_t connecting = measured_in(0, pace_from);
  uint64_t busy = measured_in(schedule_started_ ? next_k_ : due, due);
  if (plan_.quota > 0) {
    // -n: no more is missing than the quota still wanted.
    uint64_t left = plan_.quota - std::min(plan_.quota, measured_sent_);
    connecting = std::min(connecting, left);
    busy = std::min(busy, left - connecting);
  }
  if (!schedule_started_) stats_.pace_delay_ns = std::max<int64_t>(0, now - plan_.start_ns);
  stats_.not_sent_connecting += connecting;
  stats_.not_sent += connecting + busy;
}

// Publishes the final statistics and lets the runner see the thread is done.
void LoadWorker::mark_done(int64_t now) {
  finished_ns_ = now;
  publish();
  done_.store(true, std::memory_order_release);
}

}  // namespace percore::client
