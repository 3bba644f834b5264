// The echo worker's event loop and connection state machine. Hot-path rules as in worker.cc: no
// exceptions, no allocation and no copy per message (sends point into the pattern table, the
// echo is compared in place), every failure a counter and a reconnect.
#include "client/echo_worker.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>

#include "core/net/socket.h"
#include "core/proc/affinity.h"

namespace percore::client {

EchoWorker::EchoWorker(const Options& options, const PatternTable& pattern, WorkerPlan plan,
                       const std::atomic<bool>* stop)
    : options_(options),
      pattern_(pattern),
      plan_(plan),
      stop_(stop),
      payload_(options.echo.payload),
      stream_(options.echo.pattern == EchoPattern::kStream),
      timeouts_(options.timeout_ns),
      backoff_(kBackoffNs) {}

bool EchoWorker::run(std::string* error) {
  if (plan_.cpu >= 0) proc::pin_to_cpu(plan_.cpu);
  backend_ = io::make_backend(plan_.backend, error);
  if (!backend_) {
    mark_done(util::now_ns());
    return false;
  }
  // rr keeps one message in flight; stream as many whole messages as the window holds.
  uint32_t capacity = stream_ ? std::max<uint32_t>(1, options_.echo.window / payload_) : 1;
  conns_.resize(static_cast<size_t>(plan_.connections));
  sent_at_slab_.resize(conns_.size() * capacity);
  for (size_t i = 0; i < conns_.size(); ++i) {
    EchoConn& c = conns_[i];
    c.index = static_cast<uint32_t>(i);
    c.seed = PatternTable::seed_for(plan_.index, c.index);
    c.capacity = capacity;
    c.sent_at = &sent_at_slab_[i * capacity];
  }
  int64_t now = util::now_ns();
  for (EchoConn& c : conns_) start_connect(c, now);
  loop();
  return true;
}

void EchoWorker::loop() {
  io::Completion completions[kMaxCompletions];
  int64_t next_publish = plan_.start_ns + util::kNsPerSec;
  while (true) {
    int64_t now = util::now_ns();
    if (now >= plan_.end_ns || stop_->load(std::memory_order_relaxed)) break;
    if (quota_reached() && in_flight_total_ == 0) break;
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

int64_t EchoWorker::wait_timeout_us(int64_t now) const {
  int64_t next = std::min(
      {plan_.end_ns, timeouts_.next_deadline(), backoff_.next_deadline(), now + kMaxWaitNs});
  int64_t delta = next - now;
  return delta <= 0 ? 0 : delta / 1000;
}

void EchoWorker::dispatch(const io::Completion& c) {
  uint32_t index = static_cast<uint32_t>(c.token & 0xffffffff);
  if (index >= conns_.size()) return;
  EchoConn& conn = conns_[index];
  if (!conn.matches(c.token)) return;  // a completion for a socket closed since
  int64_t now = util::now_ns();
  switch (c.op) {
    case io::Op::kConnect:
      on_connect(conn, c.result, now);
      break;
    case io::Op::kSend:
      on_sent(conn, c.result, now);
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

void EchoWorker::start_connect(EchoConn& conn, int64_t now) {
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
  timeouts_.arm(&conn, now);
  int rc = backend_->connect(fd, conn.token(), options_.url.address.sa(), options_.url.address.len);
  if (rc < 0) fail(conn, ErrorPhase::kConnect, -rc, now);
}

void EchoWorker::on_connect(EchoConn& conn, int result, int64_t now) {
  if (result < 0) {
    fail(conn, ErrorPhase::kConnect, -result, now);
    return;
  }
  ++stats_.connects_established;
  conn.state = ConnState::kOpen;
  util::DeadlineList::cancel(&conn);
  fill(conn, now);
}

// Sends as many whole messages as the pattern allows: one when rr is idle; in stream mode every
// message that still fits the window, as one contiguous span of the pattern.
void EchoWorker::fill(EchoConn& conn, int64_t now) {
  if (conn.state != ConnState::kOpen || conn.sending || stopping_) return;
  uint64_t count = conn.capacity - conn.in_flight;
  if (stream_) {
    uint64_t unechoed = conn.sent_bytes - conn.recv_bytes;
    uint64_t room = options_.echo.window > unechoed ? options_.echo.window - unechoed : 0;
    count = std::min<uint64_t>(count, room / payload_);
  }
  if (plan_.quota > 0 && now >= plan_.measure_ns) {
    count = std::min(count, plan_.quota - std::min(plan_.quota, measured_sent_));
  }
  if (count == 0) return;
  if (conn.in_flight == 0) timeouts_.arm(&conn, now);
  for (uint64_t i = 0; i < count; ++i) conn.push(now);
  if (now >= plan_.measure_ns) {
    stats_.sent += count;
    measured_sent_ += count;
  } else {
    stats_.warmup_requests += count;
  }
  in_flight_total_ += count;
  size_t len = static_cast<size_t>(count) * payload_;
  conn.iov.iov_base = const_cast<char*>(pattern_.at(conn.seed, conn.sent_bytes));
  conn.iov.iov_len = len;
  conn.sent_bytes += len;
  conn.sending = true;
  int rc = backend_->send(conn.fd, &conn.iov, 1);
  if (rc < 0) fail(conn, ErrorPhase::kWrite, -rc, now);
}

void EchoWorker::on_sent(EchoConn& conn, int result, int64_t now) {
  conn.sending = false;
  if (result < 0) {
    fail(conn, ErrorPhase::kWrite, -result, now);
    return;
  }
  stats_.bytes_out += static_cast<uint64_t>(result);
  fill(conn, now);
}

void EchoWorker::on_recv(EchoConn& conn, const char* data, int result, int64_t now) {
  if (result < 0) {
    fail(conn, ErrorPhase::kRead, -result, now);
    return;
  }
  if (result == 0) {
    if (conn.sent_bytes > conn.recv_bytes) {
      fail(conn, ErrorPhase::kClosed, 0, now);
    } else {
      ++stats_.closed_by_server;
      close_conn(conn, true);
      start_connect(conn, now);
    }
    return;
  }
  auto left = static_cast<size_t>(result);
  stats_.bytes_in += left;
  if (conn.recv_bytes + left > conn.sent_bytes) {
    // More bytes than were sent: the stream can no longer be matched up with ours.
    fail(conn, ErrorPhase::kVerify, 0, now);
    return;
  }
  // Verify message by message so that a difference is charged to the message it is in.
  while (left > 0) {
    size_t seg = std::min<size_t>(left, payload_ - conn.msg_received);
    if (!pattern_.matches(conn.seed, conn.recv_bytes, data, seg)) conn.corrupt = true;
    conn.recv_bytes += seg;
    conn.msg_received += static_cast<uint32_t>(seg);
    data += seg;
    left -= seg;
    if (conn.msg_received == payload_) complete_message(conn, now);
  }
  if (conn.in_flight > 0) {
    timeouts_.arm(&conn, now);  // progress: the timeout counts from the last echoed bytes
  } else {
    util::DeadlineList::cancel(&conn);
  }
  fill(conn, now);
}

void EchoWorker::complete_message(EchoConn& conn, int64_t now) {
  int64_t sent_ns = conn.pop();
  --in_flight_total_;
  conn.msg_received = 0;
  if (conn.corrupt) {
    conn.corrupt = false;
    stats_.add_error(ErrorPhase::kVerify, 0);
  }
  if (sent_ns < plan_.measure_ns) return;
  ++stats_.completed;
  stats_.uncorrected.record(now - sent_ns);
}

void EchoWorker::fail(EchoConn& conn, ErrorPhase phase, int err, int64_t now) {
  stats_.add_error(phase, err);
  bool connecting = conn.state == ConnState::kConnecting || conn.fd < 0;
  close_conn(conn, true);
  if (connecting) {
    // Back off before retrying so a refused port does not turn into a busy loop.
    conn.state = ConnState::kBackoff;
    if (!stopping_) backoff_.arm(&conn, now);
  } else {
    start_connect(conn, now);
  }
}

void EchoWorker::close_conn(EchoConn& conn, bool lost) {
  util::DeadlineList::cancel(&conn);
  for (uint32_t i = 0; i < conn.in_flight; ++i) {
    if (conn.at(i) < plan_.measure_ns) continue;
    ++(lost ? stats_.lost : stats_.in_flight_at_end);
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
  conn.corrupt = false;
  conn.sent_bytes = conn.recv_bytes = 0;
  conn.msg_received = 0;
  conn.state = ConnState::kIdle;
}

void EchoWorker::expire(int64_t now) {
  while (util::DeadlineLink* link = timeouts_.pop_expired(now)) {
    EchoConn& conn = *static_cast<EchoConn*>(link);
    if (conn.state == ConnState::kConnecting) {
      fail(conn, ErrorPhase::kConnectTimeout, ETIMEDOUT, now);
    } else if (conn.state == ConnState::kOpen && conn.in_flight > 0) {
      fail(conn, ErrorPhase::kReadTimeout, ETIMEDOUT, now);
    }
  }
  while (util::DeadlineLink* link = backoff_.pop_expired(now)) {
    start_connect(*static_cast<EchoConn*>(link), now);
  }
}

void EchoWorker::finish(int64_t now) {
  stopping_ = true;
  for (EchoConn& c : conns_) {
    if (c.fd >= 0 || c.in_flight > 0) close_conn(c, false);
    util::DeadlineList::cancel(&c);
  }
  backend_.reset();
  mark_done(now);
}

}  // namespace percore::client
