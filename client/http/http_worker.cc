// The HTTP hooks of the worker: request bytes, response parsing, and when a connection ends.
// Hot-path rules as in load_worker.cc.
#include "client/http/http_worker.h"

#include <algorithm>
#include <memory>

#include "client/http/request_builder.h"

namespace percore::client {

HttpWorker::HttpWorker(const Options& options, const std::string& requests, size_t request_len,
                       WorkerPlan plan, const std::atomic<bool>* stop)
    : LoadWorker(options, plan, stop), requests_(requests), request_len_(request_len) {}

void HttpWorker::make_slots() {
  conns_.resize(static_cast<size_t>(plan_.connections));
  bool head = options_.method == "HEAD";
  for (HttpConn& c : conns_) {
    c.head_method = head;
    c.sink = this;
  }
  adopt_slots(conns_, static_cast<uint32_t>(options_.pipeline));
}

void HttpWorker::on_new_socket(Slot& slot) {
  auto& conn = static_cast<HttpConn&>(slot);
  conn.sent_on_conn = 0;
  conn.server_closing = false;
  reset_parser(conn);
}

uint32_t HttpWorker::room(const Slot& slot) const {
  const auto& conn = static_cast<const HttpConn&>(slot);
  if (conn.server_closing) return 0;
  uint64_t free = conn.capacity - conn.in_flight;
  uint64_t per_conn = options_.keepalive ? options_.reconnect_every : 1;
  if (per_conn > 0)
    free = std::min(free, per_conn > conn.sent_on_conn ? per_conn - conn.sent_on_conn : 0);
  return static_cast<uint32_t>(free);
}

void HttpWorker::prepare_send(Slot& slot, uint32_t count) {
  auto& conn = static_cast<HttpConn&>(slot);
  conn.sent_on_conn += count;
  conn.iov.iov_base = const_cast<char*>(requests_.data());
  conn.iov.iov_len = request_len_ * count;
}

void HttpWorker::on_data(Slot& slot, const char* data, size_t len, int64_t now) {
  auto& conn = static_cast<HttpConn&>(slot);
  if (feed_response(conn, data, len) == FeedResult::kError) {
    fail(conn, conn.switched ? ErrorPhase::kSwitched : ErrorPhase::kParse, 0, now);
    return;
  }
  after_responses(conn, now);
}

void HttpWorker::on_eof(Slot& slot, int64_t now) {
  auto& conn = static_cast<HttpConn&>(slot);
  if (feed_eof(conn) == FeedResult::kError) {
    fail(conn, ErrorPhase::kParse, 0, now);
  } else if (conn.in_flight > 0) {
    fail(conn, ErrorPhase::kClosed, 0, now);
  } else {
    closed_by_server(conn, now);
  }
}

void HttpWorker::on_response(HttpConn& conn, int status, bool keep_alive) {
  InFlight f = take_answered(conn);
  int64_t now = util::now_ns();
  if (measured(f)) {
    ++stats_.completed;
    ++stats_.status[static_cast<size_t>(std::clamp(status, 0, kStatusSlots - 1))];
    stats_.corrected.record(now - f.intended_ns);
    stats_.uncorrected.record(now - f.sent_ns);
  }
  if (!keep_alive) conn.server_closing = true;
}

// Decides what a connection does after its received bytes were parsed.
void HttpWorker::after_responses(HttpConn& conn, int64_t now) {
  bool ours_done = (!options_.keepalive && conn.sent_on_conn >= 1) ||
                   (options_.reconnect_every > 0 && conn.sent_on_conn >= options_.reconnect_every);
  if (conn.server_closing || (ours_done && conn.in_flight == 0)) {
    retire(conn, now);
    return;
  }
  after_progress(conn, now);
}

// Ends a connection whose last response has arrived.
void HttpWorker::retire(HttpConn& conn, int64_t now) {
  if (conn.in_flight > 0) {
    // Pipelined requests behind a "Connection: close" response will never be answered.
    fail(conn, ErrorPhase::kClosed, 0, now);
    return;
  }
  if (conn.server_closing || !options_.keepalive) {
    // The server closes these: wait for its FIN so the TIME_WAIT stays on its side and a
    // connection-rate test does not run out of client ports.
    drain(conn, now);
    return;
  }
  reconnect(conn, now);
}

WorkerFactory http_worker_factory(const Options& options) {
  std::string request = build_request(options);
  auto requests = std::make_shared<const std::string>(repeat_request(request, options.pipeline));
  size_t request_len = request.size();
  return [&options, requests, request_len](const WorkerPlan& plan, const std::atomic<bool>* stop) {
    return std::make_unique<HttpWorker>(options, *requests, request_len, plan, stop);
  };
}

}  // namespace percore::client
