// Proxy mode, client side: accepting, receiving, queueing the answers in order, keep-alive,
// timeouts, draining and local error replies (400/431/502/504/505). Request parsing is in
// proxy_request.cc, the upstream side in upstream_side.cc.
#include "server/proxy/http_proxy.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "core/http/error_replies.h"
#include "core/net/socket.h"
#include "core/util/clock.h"

namespace percore::server {

HttpProxy::HttpProxy(WorkerContext& ctx)
    : ctx_(ctx),
      backend_(*ctx.backend),
      stats_(*ctx.slot),
      pool_(*ctx.options, *ctx.slot),
      life_(backend_, stats_, *ctx.options),
      exchange_timers_(int64_t{ctx.options->upstream_timeout_ms} * util::kNsPerMs) {
  http::error_reply(400);  // build the static replies before the first request
  http_parser_set_max_header_size(ctx.options->max_header_bytes);
  http_parser_settings_init(&req_settings_);
  req_settings_.on_message_begin = &HttpProxy::on_req_begin;
  req_settings_.on_url = &HttpProxy::on_req_url;
  req_settings_.on_header_field = &HttpProxy::on_req_field;
  req_settings_.on_header_value = &HttpProxy::on_req_value;
  req_settings_.on_headers_complete = &HttpProxy::on_req_headers;
  req_settings_.on_chunk_header = &HttpProxy::on_req_chunk_header;
  req_settings_.on_body = &HttpProxy::on_req_body;
  req_settings_.on_chunk_complete = &HttpProxy::on_req_chunk_done;
  req_settings_.on_message_complete = &HttpProxy::on_req_done;
  http_parser_settings_init(&resp_settings_);
  resp_settings_.on_message_begin = &HttpProxy::on_resp_begin;
  resp_settings_.on_status = &HttpProxy::on_resp_status;
  resp_settings_.on_header_field = &HttpProxy::on_resp_field;
  resp_settings_.on_header_value = &HttpProxy::on_resp_value;
  resp_settings_.on_headers_complete = &HttpProxy::on_resp_headers;
  resp_settings_.on_chunk_header = &HttpProxy::on_resp_chunk_header;
  resp_settings_.on_body = &HttpProxy::on_resp_body;
  resp_settings_.on_chunk_complete = &HttpProxy::on_resp_chunk_done;
  resp_settings_.on_message_complete = &HttpProxy::on_resp_done;
}

HttpProxy::~HttpProxy() {
  close_all();
}

void HttpProxy::on_accept(int fd, int64_t now_ns) {
  now_ns_ = now_ns;
  net::set_nodelay(fd);
  ClientConn* c = clients_.acquire();
  c->owner = this;
  life_.accept(c, fd, now_ns);
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  c->scanner.reset();
  c->to_up.clear();
  c->pending.clear();
  c->pending_off = 0;
  c->up = nullptr;
  c->exchange = Exchange::kNone;
  c->request_done = c->in_body = c->response_started = false;
  c->bad_version = false;
  c->problem = http::RequestProblem::kNone;
  c->head_error = http::HeadError::kNone;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  c->ip[0] = '\0';
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    const void* a = ss.ss_family == AF_INET6
                        ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr)
                        : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&ss)->sin_addr);
    inet_ntop(ss.ss_family, a, c->ip, sizeof(c->ip));
  }
  if (!life_.open(c, util::Slab<ClientConn>::token(c))) close_client(c);
}

void HttpProxy::on_completion(const io::Completion& comp, int64_t now_ns) {
  now_ns_ = now_ns;
  if (comp.token & kUpstreamTag) {
    UpstreamConn* up = ups_.lookup(comp.token & ~kUpstreamTag);
    if (up == nullptr) return;
    if (comp.op == io::Op::kRecv) {
      on_up_recv(up, comp);
    } else if (comp.op == io::Op::kSend) {
      on_up_sent(up, comp.result);
    } else if (comp.op == io::Op::kConnect) {
      on_up_connect(up, comp.result);
    }
    return;
  }
  ClientConn* c = clients_.lookup(comp.token);
  if (c == nullptr) return;  // stale: closed earlier in this batch
  if (comp.op == io::Op::kRecv) {
    on_client_recv(c, comp, now_ns);
  } else if (comp.op == io::Op::kSend) {
    on_client_sent(c, comp.result, now_ns);
  }
}

void HttpProxy::on_client_recv(ClientConn* c, const io::Completion& comp, int64_t now_ns) {
  if (comp.result <= 0) {
    life_.on_recv_end(c, comp.result);
    bool answering = c->exchange == Exchange::kActive && c->request_done;
    bool queued = c->out.in_flight() || c->out.has_pending();
    bool pipelined = c->exchange == Exchange::kNone && c->pending_off < c->pending.size();
    // A client that half-closed after its requests still gets every answer owed to it, in
    // order, pipelined ones included (as nginx and HAProxy do): peer_closed (set above) ends
    // the connection once no complete request is left, see drive_client().
    if (comp.result == 0 && c->phase != ClientPhase::kLinger &&
        (answering || queued || pipelined)) {
      if (!answering) {
        if (c->exchange != Exchange::kNone) c->close_after = true;  // its request cannot finish
        drive_client(c);
      }
      return;
    }
    close_client(c);
    return;
  }
  size_t len = static_cast<size_t>(comp.result);
  if (!life_.take_input(c, len)) return;
  now_ns_ = now_ns;
  if (c->pending_off < c->pending.size() || !can_parse(c)) {
    c->pending.append(comp.data, len);
  } else {
    uint64_t token = util::Slab<ClientConn>::token(c);
    size_t n = parse_request(c, comp.data, len);
    if (clients_.lookup(token) != c) return;
    if (n < len && !c->close_after) c->pending.append(comp.data + n, len - n);
  }
  if (drive_client(c) && c->up != nullptr) flush_upstream(c);
}

// The exchange ends with a local 502/504. The connection stays open when keep-alive allows
// and the rest of the request (if any) can be read and dropped.
void HttpProxy::fail_exchange(ClientConn* c, int status) {
  bool keep = client_keep(c) && (c->request_done || !has_body(c));
  c->to_up.clear();
  reply_error(c, status, !keep);
  if (!keep || c->request_done) {
    end_exchange(c);
  } else {
    c->exchange = Exchange::kFailed;  // on_req_done ends it
  }
}

void HttpProxy::reply_error(ClientConn* c, int status, bool close) {
  const http::ErrorReply* r = http::error_reply(status);
  c->out.append_ref(close ? r->close : r->keep);
  bool head = c->exchange != Exchange::kNone && c->method == HTTP_HEAD;
  if (!head) c->out.append_ref(r->body);
  stats_.add(stats::status_class_counter(status));
  if (status == 502) stats_.add(stats::kBadGateway);
  if (status == 504) stats_.add(stats::kGatewayTimeout);
  if (close) c->close_after = true;
  flush_client(c);
}

// The request and its answer are both settled: the connection may start the next request.
void HttpProxy::end_exchange(ClientConn* c) {
  c->exchange = Exchange::kNone;
  c->up = nullptr;
  c->response_started = false;
  c->to_up.clear();
  if (!c->request_done) {
    // The answer came before the whole request: the rest of it is not worth reading.
    c->close_after = true;
    c->unread_input = true;
  }
  if (!c->close_after) life_.set_phase(c, ClientPhase::kIdle, now_ns_);
}

void HttpProxy::update_client_recv(ClientConn* c) {
  bool full = c->to_up.pending_bytes() > kMaxQueued || c->out.pending_bytes() > kMaxQueued ||
              c->pending.size() - c->pending_off > kMaxPipelined;
  life_.set_recv_paused(c, full);
}

// A failed send does not close here: this may run inside the request parser's callbacks. The
// connection ends once the exchange settles.
void HttpProxy::flush_client(ClientConn* c) {
  if (life_.flush(c) < 0) c->close_after = true;
}

void HttpProxy::on_client_sent(ClientConn* c, int result, int64_t now_ns) {
  if (!life_.on_sent(c, result)) {
    close_client(c);
    return;
  }
  now_ns_ = now_ns;
  if (c->up != nullptr) {
    touch(c->up);
    update_up_recv(c->up);
  }
  if (c->out.has_pending()) {
    flush_client(c);
  } else if (c->exchange == Exchange::kNone && (c->close_after || c->peer_closed)) {
    finish_client(c);
    return;
  } else if (c->exchange == Exchange::kNone && draining_ && c->pending_off == c->pending.size()) {
    life_.drain_grace_timers().arm(c, now_ns);  // the next request may be on its way
  }
  update_client_recv(c);
}

// Every answer is out and the connection is to close, gently when the client may still send.
void HttpProxy::finish_client(ClientConn* c) {
  if (!life_.start_linger(c, now_ns_)) close_client(c);
}

void HttpProxy::close_client(ClientConn* c) {
  if (c->up != nullptr) {
    UpstreamConn* up = c->up;
    pool_.add_busy(up->upstream, -1);
    c->up = nullptr;
    close_upstream(up);  // mid-exchange: the upstream connection is in an unknown state
  }
  life_.close(c);
  c->to_up.clear();
  c->pending.clear();
  c->pending_off = 0;
  clients_.release(c);
}

void HttpProxy::expire_client(ClientConn* c) {
  if (life_.expired_in_request(c) && c->exchange == Exchange::kNone) {
    // A request that started but never finished its head: say so before closing, as server
    // mode does.
    c->unread_input = true;
    reply_error(c, 408, true);
    if (c->fd >= 0) life_.set_phase(c, ClientPhase::kLinger, now_ns_);
    return;
  }
  close_client(c);
}

void HttpProxy::on_timer(int64_t now_ns) {
  now_ns_ = now_ns;
  life_.expire_timers<ClientConn>(now_ns, [this](ClientConn* c) { expire_client(c); });
  while (util::DeadlineLink* link = exchange_timers_.pop_expired(now_ns)) {
    auto* up = static_cast<UpstreamConn*>(link);
    // A connect that never completes is a connect failure: the request can go elsewhere.
    upstream_failed(up, up->state == UpState::kConnecting ? Failure::kConnect : Failure::kTimeout,
                    ETIMEDOUT);
  }
  while (UpstreamConn* up = pool_.pop_expired(now_ns)) close_upstream(up);
  pool_.on_timer(now_ns);
}

int64_t HttpProxy::next_deadline_ns() const {
  int64_t next = life_.next_deadline();
  if (pool_.next_deadline() < next) next = pool_.next_deadline();
  if (exchange_timers_.next_deadline() < next) next = exchange_timers_.next_deadline();
  return next;
}

void HttpProxy::begin_drain(int64_t now_ns) {
  draining_ = true;
  now_ns_ = now_ns;
  pool_.for_each_idle([this](UpstreamConn* up) { close_upstream(up); });
  clients_.for_each_live([this, now_ns](ClientConn* c) {
    // Unlike server mode, a lingering connection counts as idle: the drain grace cuts it short.
    bool idle = c->exchange == Exchange::kNone && c->phase != ClientPhase::kHeaders;
    if (idle) life_.drain_if_quiet(c, now_ns);
  });
}

void HttpProxy::close_all() {
  clients_.for_each_live([this](ClientConn* c) { close_client(c); });
  pool_.for_each_idle([this](UpstreamConn* up) { close_upstream(up); });
  ups_.for_each_live([this](UpstreamConn* up) { close_upstream(up); });
}

}  // namespace percore::server
