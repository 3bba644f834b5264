// The worker's event loop and connection state machine. Hot-path rules: no exceptions, no
// allocation per request (the slab and the request bytes are built before the loop), no logging;
// every failure becomes a counter in stats_ and a reconnect.
#include "client/worker.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "core/io/factory.h"
#include "core/net/socket.h"
#include "core/proc/affinity.h"
#include "core/util/clock.h"

namespace percore::client {

Worker::Worker(const Options& options, const std::string& requests, size_t request_len,
               WorkerPlan plan, const std::atomic<bool>* stop)
    : options_(options),
      requests_(requests),
      request_len_(request_len),
      plan_(plan),
      stop_(stop),
      timeouts_(options.timeout_ns),
      backoff_(kBackoffNs) {}

bool Worker::run(std::string* error) {
  if (plan_.cpu >= 0) proc::pin_to_cpu(plan_.cpu);
  backend_ = io::make_backend(plan_.backend, error);
  if (!backend_) {
    mark_done(util::now_ns());
    return false;
  }
  auto pipeline = static_cast<uint32_t>(options_.pipeline);
  conns_.resize(static_cast<size_t>(plan_.connections));
  ring_slab_.resize(conns_.size() * pipeline);
  ready_.reserve(conns_.size());
  bool head = options_.method == "HEAD";
  for (size_t i = 0; i < conns_.size(); ++i) {
    Conn& c = conns_[i];
    c.index = static_cast<uint32_t>(i);
    c.capacity = pipeline;
    c.ring = &ring_slab_[i * pipeline];
    c.head_method = head;
    c.sink = this;
  }
  initial_pending_ = plan_.connections;
  int64_t now = util::now_ns();
  for (Conn& c : conns_) start_connect(c, now);
  loop();
  return true;
}

void Worker::loop() {
  io::Completion completions[kMaxCompletions];
  int64_t next_publish = plan_.start_ns + util::kNsPerSec;
  while (true) {
    int64_t now = util::now_ns();
    if (now >= plan_.end_ns || stop_->load(std::memory_order_relaxed)) break;
    if (plan_.quota > 0 && quota_reached() && in_flight_total_ == 0) break;
    if (plan_.rate > 0) {
      if (!schedule_started_ &&
          (initial_pending_ == 0 || now >= plan_.start_ns + options_.timeout_ns)) {
        // The pace starts once the connections are up, so connecting is not billed as latency.
        schedule_ = RateScheduler(now, plan_.rate);
        schedule_started_ = true;
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

int64_t Worker::wait_timeout_us(int64_t now) const {
  int64_t next = std::min(
      {plan_.end_ns, timeouts_.next_deadline(), backoff_.next_deadline(), now + kMaxWaitNs});
  if (plan_.rate > 0 && schedule_started_ && !ready_.empty()) {
    next = std::min(next, schedule_.intended_ns(next_k_));
  }
  // The backend sleeps with microsecond precision, so the open-loop pace stays accurate
  // without polling.
  int64_t delta = next - now;
  return delta <= 0 ? 0 : delta / 1000;
}

void Worker::dispatch(const io::Completion& c) {
  uint32_t index = static_cast<uint32_t>(c.token & 0xffffffff);
  if (index >= conns_.size()) return;
  Conn& conn = conns_[index];
  if (!conn.matches(c.token)) return;  // a completion for a socket closed since
  int64_t now = util::now_ns();
  switch (c.op) {
    case io::Op::kConnect:
      on_connect(conn, c.result, now);
      break;
    case io::Op::kSend:
      on_sent(conn, c.result);
      if (conn.fd >= 0) on_capacity(conn, now);
      break;
    case io::Op::kRecv:
      on_recv(conn, c.data, c.result, now);
      break;
    case io::Op::kAccept:
    case io::Op::kRecvFrom:
    case io::Op::kSendTo:
      break;
  }
}

void Worker::start_connect(Conn& conn, int64_t now) {
  if (stopping_) return;
  ++stats_.connects_requested;
  int fd = net::stream_socket(options_.url.address);
  if (fd < 0) {
    fail(conn, ErrorPhase::kConnect, -fd, now);
    return;
  }
  net::set_nodelay(fd);
  ++conn.generation;
  conn.fd = fd;
  conn.state = ConnState::kConnecting;
  conn.sent_on_conn = 0;
  conn.server_closing = false;
  reset_parser(conn);
  timeouts_.arm(&conn, now);
  int rc = backend_->connect(fd, conn.token(), options_.url.address.sa(), options_.url.address.len);
  if (rc < 0) fail(conn, ErrorPhase::kConnect, -rc, now);  // EADDRNOTAVAIL lands here
}

void Worker::on_connect(Conn& conn, int result, int64_t now) {
  if (result < 0) {
    fail(conn, ErrorPhase::kConnect, -result, now);
    return;
  }
  ++stats_.connects_established;
  initial_done(conn);
  conn.state = ConnState::kOpen;
  util::DeadlineList::cancel(&conn);
  on_capacity(conn, now);
}

void Worker::on_sent(Conn& conn, int result) {
  conn.sending = false;
  if (result < 0) {
    fail(conn, ErrorPhase::kWrite, -result, util::now_ns());
    return;
  }
  stats_.bytes_out += static_cast<uint64_t>(result);
}

void Worker::on_recv(Conn& conn, const char* data, int result, int64_t now) {
  if (conn.state == ConnState::kDraining) {
    // Anything after the last response, even a reset, ends the connection without an error.
    if (result <= 0) {
      ++stats_.closed_by_server;
      reconnect(conn, now);
    }
    return;
  }
  if (result < 0) {
    fail(conn, ErrorPhase::kRead, -result, now);
    return;
  }
  if (result == 0) {
    if (feed_eof(conn) == FeedResult::kError) {
      fail(conn, ErrorPhase::kParse, 0, now);
    } else if (conn.in_flight > 0) {
      fail(conn, ErrorPhase::kClosed, 0, now);
    } else {
      ++stats_.closed_by_server;
      reconnect(conn, now);
    }
    return;
  }
  stats_.bytes_in += static_cast<uint64_t>(result);
  if (feed_response(conn, data, static_cast<size_t>(result)) == FeedResult::kError) {
    fail(conn, ErrorPhase::kParse, 0, now);
    return;
  }
  after_responses(conn, now);
}

void Worker::on_response(Conn& conn, int status, bool keep_alive) {
  InFlight f = conn.pop();
  --in_flight_total_;
  int64_t now = util::now_ns();
  if (f.intended_ns >= plan_.measure_ns) {
    ++stats_.completed;
    ++stats_.status[static_cast<size_t>(std::clamp(status, 0, kStatusSlots - 1))];
    stats_.corrected.record(now - f.intended_ns);
    stats_.uncorrected.record(now - f.sent_ns);
  }
  if (!keep_alive) conn.server_closing = true;
}

// Decides what a connection does after its received bytes were parsed.
void Worker::after_responses(Conn& conn, int64_t now) {
  bool ours_done = (!options_.keepalive && conn.sent_on_conn >= 1) ||
                   (options_.reconnect_every > 0 && conn.sent_on_conn >= options_.reconnect_every);
  if (conn.server_closing || (ours_done && conn.in_flight == 0)) {
    retire(conn, now);
    return;
  }
  if (conn.in_flight > 0) {
    timeouts_.arm(&conn, now);
  } else {
    util::DeadlineList::cancel(&conn);
  }
  on_capacity(conn, now);
}

// Ends a connection whose last response has arrived.
void Worker::retire(Conn& conn, int64_t now) {
  if (conn.in_flight > 0) {
    // Pipelined requests behind a "Connection: close" response will never be answered.
    fail(conn, ErrorPhase::kClosed, 0, now);
    return;
  }
  if (conn.server_closing || !options_.keepalive) {
    // The server closes these: wait for its FIN so the TIME_WAIT stays on its side and a
    // connection-rate test does not run out of client ports.
    conn.state = ConnState::kDraining;
    timeouts_.arm(&conn, now);
    return;
  }
  reconnect(conn, now);
}

void Worker::fail(Conn& conn, ErrorPhase phase, int err, int64_t now) {
  stats_.add_error(phase, err);
  bool connecting = conn.state == ConnState::kConnecting || conn.fd < 0;
  if (connecting) initial_done(conn);
  close_conn(conn, true);
  if (connecting) {
    // Back off before retrying so a refused port does not turn into a busy loop.
    conn.state = ConnState::kBackoff;
    if (!stopping_) backoff_.arm(&conn, now);
  } else {
    start_connect(conn, now);
  }
}

void Worker::initial_done(Conn& conn) {
  if (!conn.initial) return;
  conn.initial = false;
  --initial_pending_;
}

void Worker::close_conn(Conn& conn, bool lost) {
  util::DeadlineList::cancel(&conn);
  for (uint32_t i = 0; i < conn.in_flight; ++i) {
    if (conn.at(i).intended_ns < plan_.measure_ns) continue;
    if (lost) {
      ++stats_.lost;
    } else {
      ++stats_.in_flight_at_end;
    }
  }
  in_flight_total_ -= conn.in_flight;
  conn.in_flight = 0;
  conn.head = 0;
  if (conn.fd >= 0) {
    // Contract: a socket the backend refused to register is still ours to close.
    if (backend_->close(conn.fd) == -EBADF) ::close(conn.fd);
  }
  conn.fd = -1;
  ++conn.generation;
  conn.sending = false;
  conn.server_closing = false;
  conn.state = ConnState::kIdle;
}

void Worker::reconnect(Conn& conn, int64_t now) {
  close_conn(conn, true);
  if (plan_.quota > 0 && quota_reached()) return;
  start_connect(conn, now);
}

void Worker::expire(int64_t now) {
  while (util::DeadlineLink* link = timeouts_.pop_expired(now)) {
    Conn& conn = *static_cast<Conn*>(link);
    switch (conn.state) {
      case ConnState::kConnecting:
        fail(conn, ErrorPhase::kConnectTimeout, ETIMEDOUT, now);
        break;
      case ConnState::kOpen:
        if (conn.in_flight > 0) fail(conn, ErrorPhase::kReadTimeout, ETIMEDOUT, now);
        break;
      case ConnState::kDraining:
        reconnect(conn, now);  // the server never closed; not an error, the response was fine
        break;
      default:
        break;
    }
  }
  while (util::DeadlineLink* link = backoff_.pop_expired(now)) {
    start_connect(*static_cast<Conn*>(link), now);
  }
}

bool Worker::can_send(const Conn& conn) const {
  return conn.state == ConnState::kOpen && !conn.sending && !conn.server_closing && room(conn) > 0;
}

uint32_t Worker::room(const Conn& conn) const {
  uint64_t free = conn.capacity - conn.in_flight;
  uint64_t per_conn = options_.keepalive ? options_.reconnect_every : 1;
  if (per_conn > 0)
    free = std::min(free, per_conn > conn.sent_on_conn ? per_conn - conn.sent_on_conn : 0);
  return static_cast<uint32_t>(free);
}

void Worker::on_capacity(Conn& conn, int64_t now) {
  if (!can_send(conn)) return;
  if (plan_.rate > 0) {
    if (!conn.in_ready) {
      conn.in_ready = true;
      ready_.push_back(conn.index);
    }
    return;
  }
  fill(conn, now);
}

// Closed loop: keep the connection's pipeline full.
void Worker::fill(Conn& conn, int64_t now) {
  uint64_t count = room(conn);
  if (plan_.quota > 0 && now >= plan_.measure_ns) {
    count = std::min(count, plan_.quota - std::min(plan_.quota, measured_sent_));
  }
  if (count == 0) return;
  send_batch(conn, static_cast<uint32_t>(count), 0, now);
}

// Open loop: hand every request that is due to a connection that can take it. Requests due while
// no connection is free wait here, and their latency still counts from their intended time.
void Worker::dispatch_due(int64_t now) {
  uint64_t due = schedule_.due_by(now);
  while (next_k_ < due && !ready_.empty()) {
    if (plan_.quota > 0 && quota_reached()) return;
    Conn& conn = conns_[ready_.back()];
    ready_.pop_back();
    conn.in_ready = false;
    if (!can_send(conn)) continue;
    uint64_t count = std::min<uint64_t>(room(conn), due - next_k_);
    send_batch(conn, static_cast<uint32_t>(count), next_k_, now);
    next_k_ += count;
  }
}

void Worker::send_batch(Conn& conn, uint32_t count, uint64_t first_k, int64_t now) {
  bool was_idle = conn.in_flight == 0;
  for (uint32_t i = 0; i < count; ++i) {
    int64_t intended = plan_.rate > 0 ? schedule_.intended_ns(first_k + i) : now;
    conn.push(InFlight{intended, now});
    if (intended >= plan_.measure_ns) {
      ++stats_.sent;
      ++measured_sent_;
    } else {
      ++stats_.warmup_requests;
    }
  }
  in_flight_total_ += count;
  conn.sent_on_conn += count;
  conn.sending = true;
  conn.iov.iov_base = const_cast<char*>(requests_.data());
  conn.iov.iov_len = request_len_ * count;
  if (was_idle) timeouts_.arm(&conn, now);
  int rc = backend_->send(conn.fd, &conn.iov, 1);
  if (rc < 0) fail(conn, ErrorPhase::kWrite, -rc, now);
}

void Worker::finish(int64_t now) {
  stopping_ = true;
  if (plan_.rate > 0 && schedule_started_) {
    // Requests the schedule wanted out before the end that no connection was free to send.
    uint64_t due = schedule_.due_by(std::min(now, plan_.end_ns));
    if (plan_.quota > 0)
      due = std::min(due, next_k_ + (plan_.quota - std::min(plan_.quota, measured_sent_)));
    for (uint64_t k = next_k_; k < due; ++k) {
      if (schedule_.intended_ns(k) >= plan_.measure_ns) ++stats_.not_sent;
    }
  }
  for (Conn& c : conns_) {
    if (c.fd >= 0 || c.in_flight > 0) close_conn(c, false);
    util::DeadlineList::cancel(&c);
  }
  backend_.reset();
  mark_done(now);
}

}  // namespace percore::client
