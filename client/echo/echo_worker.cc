// The echo hooks of the worker: sends point into the pattern table and the echo is compared in
// place, so there is no allocation and no copy per message. Hot-path rules as in load_worker.cc.
#include "client/echo/echo_worker.h"

#include <algorithm>
#include <memory>

namespace percore::client {

EchoWorker::EchoWorker(const Options& options, const PatternTable& pattern, WorkerPlan plan,
                       const std::atomic<bool>* stop)
    : LoadWorker(options, plan, stop),
      pattern_(pattern),
      payload_(options.echo.payload),
      stream_(options.echo.pattern == EchoPattern::kStream) {}

void EchoWorker::make_slots() {
  // rr keeps one message in flight; stream as many whole messages as the window holds.
  uint32_t capacity = stream_ ? std::max<uint32_t>(1, options_.echo.window / payload_) : 1;
  conns_.resize(static_cast<size_t>(plan_.connections));
  adopt_slots(conns_, capacity);
  for (EchoConn& c : conns_) c.seed = PatternTable::seed_for(plan_.index, c.index);
}

void EchoWorker::on_new_socket(Slot& slot) {
  auto& conn = static_cast<EchoConn&>(slot);
  conn.corrupt = false;
  conn.sent_bytes = conn.recv_bytes = 0;
  conn.msg_received = 0;
}

// One message when rr is idle; in stream mode every message that still fits the window.
uint32_t EchoWorker::room(const Slot& slot) const {
  const auto& conn = static_cast<const EchoConn&>(slot);
  uint64_t count = conn.capacity - conn.in_flight;
  if (stream_) {
    uint64_t unechoed = conn.sent_bytes - conn.recv_bytes;
    uint64_t window = options_.echo.window > unechoed ? options_.echo.window - unechoed : 0;
    count = std::min<uint64_t>(count, window / payload_);
  }
  return static_cast<uint32_t>(count);
}

// The batch goes out as one contiguous span of the pattern.
void EchoWorker::prepare_send(Slot& slot, uint32_t count) {
  auto& conn = static_cast<EchoConn&>(slot);
  size_t len = static_cast<size_t>(count) * payload_;
  conn.iov.iov_base = const_cast<char*>(pattern_.at(conn.seed, conn.sent_bytes));
  conn.iov.iov_len = len;
  conn.sent_bytes += len;
}

void EchoWorker::on_eof(Slot& slot, int64_t now) {
  auto& conn = static_cast<EchoConn&>(slot);
  if (conn.sent_bytes > conn.recv_bytes) {
    fail(conn, ErrorPhase::kClosed, 0, now);
  } else {
    closed_by_server(conn, now);
  }
}

void EchoWorker::on_data(Slot& slot, const char* data, size_t len, int64_t now) {
  auto& conn = static_cast<EchoConn&>(slot);
  if (conn.recv_bytes + len > conn.sent_bytes) {
    // More bytes than were sent: the stream can no longer be matched up with ours.
    fail(conn, ErrorPhase::kVerify, 0, now);
    return;
  }
  // Verify message by message so that a difference is charged to the message it is in.
  while (len > 0) {
    size_t seg = std::min<size_t>(len, payload_ - conn.msg_received);
    if (!pattern_.matches(conn.seed, conn.recv_bytes, data, seg)) conn.corrupt = true;
    conn.recv_bytes += seg;
    conn.msg_received += static_cast<uint32_t>(seg);
    data += seg;
    len -= seg;
    if (conn.msg_received == payload_) complete_message(conn, now);
  }
  after_progress(conn, now);
}

void EchoWorker::complete_message(EchoConn& conn, int64_t now) {
  InFlight f = take_answered(conn);
  conn.msg_received = 0;
  if (conn.corrupt) {
    conn.corrupt = false;
    stats_.add_error(ErrorPhase::kVerify, 0);
  }
  if (!measured(f)) return;
  ++stats_.completed;
  stats_.uncorrected.record(now - f.sent_ns);
}

WorkerFactory echo_worker_factory(const Options& options) {
  auto pattern =
      std::make_shared<const PatternTable>(std::max(options.echo.window, options.echo.payload));
  return [&options, pattern](const WorkerPlan& plan, const std::atomic<bool>* stop) {
    return std::make_unique<EchoWorker>(options, *pattern, plan, stop);
  };
}

}  // namespace percore::client
