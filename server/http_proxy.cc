// Proxy mode, client side: accepting, parsing and checking requests, queueing the answers in
// order, keep-alive, timeouts and local error replies (400/431/502/504/505).
#include "server/http_proxy.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <charconv>

#include "core/net/socket.h"
#include "core/util/clock.h"

namespace percore::server {
namespace {

constexpr int64_t kLingerNs = 2 * util::kNsPerSec;

struct ErrorReply {
  int status;
  std::string_view keep;   // head with Connection: keep-alive
  std::string_view close;  // head with Connection: close
  std::string_view body;
};

// The answers the proxy makes itself, built once (the first call happens at start-up).
const ErrorReply* error_reply(int status) {
  static const std::string heads[5][2] = {
      {"HTTP/1.1 400 Bad Request\r\n", "bad request\n"},
      {"HTTP/1.1 431 Request Header Fields Too Large\r\n", "request header fields too large\n"},
      {"HTTP/1.1 502 Bad Gateway\r\n", "bad gateway\n"},
      {"HTTP/1.1 504 Gateway Timeout\r\n", "gateway timeout\n"},
      {"HTTP/1.1 505 HTTP Version Not Supported\r\n", "http version not supported\n"},
  };
  static const int codes[5] = {400, 431, 502, 504, 505};
  static std::string keep[5], close[5];
  static ErrorReply replies[5];
  static bool built = false;
  if (!built) {
    for (int i = 0; i < 5; ++i) {
      std::string common = heads[i][0] +
                           "Server: percore\r\nContent-Type: text/plain\r\nContent-Length: " +
                           std::to_string(heads[i][1].size()) + "\r\nConnection: ";
      keep[i] = common + "keep-alive\r\n\r\n";
      close[i] = common + "close\r\n\r\n";
      replies[i] = ErrorReply{codes[i], keep[i], close[i], heads[i][1]};
    }
    built = true;
  }
  for (int i = 0; i < 5; ++i) {
    if (codes[i] == status) return &replies[i];
  }
  return &replies[2];
}

ClientConn* client_of(http_parser* p) { return static_cast<ClientConn*>(p->data); }

}  // namespace

stats::Counter response_counter(int status) {
  switch (status / 100) {
    case 1:
      return stats::kResp1xx;
    case 2:
      return stats::kResp2xx;
    case 3:
      return stats::kResp3xx;
    case 4:
      return stats::kResp4xx;
    default:
      return stats::kResp5xx;
  }
}

HttpProxy::HttpProxy(WorkerContext& ctx)
    : ctx_(ctx),
      backend_(*ctx.backend),
      stats_(*ctx.slot),
      pool_(*ctx.options, *ctx.slot),
      header_timers_(int64_t{ctx.options->header_timeout_ms} * util::kNsPerMs),
      idle_timers_(int64_t{ctx.options->idle_timeout_ms} * util::kNsPerMs),
      linger_timers_(kLingerNs),
      exchange_timers_(int64_t{ctx.options->backend_timeout_ms} * util::kNsPerMs) {
  error_reply(400);  // build the static replies before the first request
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

HttpProxy::~HttpProxy() { close_all(); }

void HttpProxy::on_accept(int fd, int64_t now_ns) {
  now_ns_ = now_ns;
  net::set_nodelay(fd);
  ClientConn* c = clients_.acquire();
  c->owner = this;
  c->fd = fd;
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  c->scanner.reset();
  c->out.clear();
  c->to_up.clear();
  c->pending.clear();
  c->pending_off = 0;
  c->up = nullptr;
  c->exchange = Exchange::kNone;
  c->request_done = c->in_body = c->response_started = false;
  c->close_after = c->unread_input = c->peer_closed = c->recv_paused = c->bad_version = false;
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
  stats_.add(stats::kAccepted);
  stats_.add_active(1);
  set_phase(c, ClientPhase::kWaiting);
  if (backend_.open(fd, util::Slab<ClientConn>::token(c)) < 0) {
    stats_.add(stats::kIoErrors);
    close_client(c);
  }
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

// --- request parsing -------------------------------------------------------------------------

int HttpProxy::on_req_begin(http_parser* p) {
  ClientConn* c = client_of(p);
  c->head.reset();
  c->in_body = false;
  c->request_done = false;
  return 0;
}

int HttpProxy::on_req_url(http_parser* p, const char* at, size_t len) {
  client_of(p)->head.add_url(at, len);
  return 0;
}

int HttpProxy::on_req_field(http_parser* p, const char* at, size_t len) {
  ClientConn* c = client_of(p);
  if (!c->in_body) c->head.add_field(at, len);  // trailers are dropped
  return 0;
}

int HttpProxy::on_req_value(http_parser* p, const char* at, size_t len) {
  ClientConn* c = client_of(p);
  if (!c->in_body) c->head.add_value(at, len);
  return 0;
}

int HttpProxy::on_req_headers(http_parser* p) {
  ClientConn* c = client_of(p);
  HttpProxy* self = c->owner;
  c->in_body = true;
  if (p->http_major != 1) {
    c->bad_version = true;
    return -1;
  }
  if (p->method == HTTP_CONNECT) return -1;  // not a tunnel
  c->problem = http::check_request(c->head, p->http_minor, &c->framing);
  if (c->problem != http::RequestProblem::kNone) return -1;
  c->method = static_cast<http_method>(p->method);
  c->minor = static_cast<uint8_t>(p->http_minor);
  c->wants_keep_alive = http_should_keep_alive(p) != 0;
  self->stats_.add(stats::kRequests);
  self->scratch_.clear();
  http::build_request_head(c->head, http_method_str(c->method), c->minor, c->ip, &self->scratch_);
  c->to_up.append_copy(self->scratch_);
  c->exchange = Exchange::kActive;
  c->tried = 0;
  c->attempts = 0;
  c->sent_ns = self->now_ns_;
  self->set_phase(c, ClientPhase::kExchange);
  self->start_exchange(c, false);
  return 0;
}

int HttpProxy::on_req_chunk_header(http_parser* p) {
  ClientConn* c = client_of(p);
  if (c->exchange != Exchange::kActive) return 0;
  // Chunks are re-framed rather than copied: extensions and odd spellings never reach the
  // backend, only the sizes http-parser accepted.
  char line[24];
  auto res = std::to_chars(line, line + 16, p->content_length, 16);
  *res.ptr++ = '\r';
  *res.ptr++ = '\n';
  c->to_up.append_copy(std::string_view(line, static_cast<size_t>(res.ptr - line)));
  return 0;
}

int HttpProxy::on_req_body(http_parser* p, const char* at, size_t len) {
  ClientConn* c = client_of(p);
  if (c->exchange == Exchange::kActive) c->to_up.append_copy(std::string_view(at, len));
  return 0;
}

int HttpProxy::on_req_chunk_done(http_parser* p) {
  ClientConn* c = client_of(p);
  if (c->exchange == Exchange::kActive) c->to_up.append_copy("\r\n");
  return 0;
}

int HttpProxy::on_req_done(http_parser* p) {
  ClientConn* c = client_of(p);
  c->request_done = true;
  http_parser_pause(p, 1);  // one request at a time: the rest waits in `pending`
  return 0;
}

// Parses up to the end of one request; returns the bytes consumed. Afterwards the connection is
// either waiting for more input, paired with a backend, answered locally, or closing.
size_t HttpProxy::parse_request(ClientConn* c, const char* data, size_t len) {
  if (c->phase == ClientPhase::kWaiting || c->phase == ClientPhase::kIdle) {
    set_phase(c, ClientPhase::kHeaders);  // the header timeout runs from the first byte
  }
  if (!c->scanner.done()) {
    c->head_error = c->scanner.feed(data, len);
    if (c->head_error != http::HeadError::kNone) {
      reject_request(c, HPE_INVALID_HEADER_TOKEN);
      return len;
    }
  }
  size_t n = http_parser_execute(&c->parser, &req_settings_, data, len);
  enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);
  if (err == HPE_PAUSED) {
    // One request complete. A fresh parser for the next: after an Upgrade request http-parser
    // would treat the rest as another protocol.
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->scanner.reset();
    if (c->exchange == Exchange::kFailed) end_exchange(c);
    return n;
  }
  if (err != HPE_OK) {
    reject_request(c, err);
    return len;
  }
  if (c->exchange == Exchange::kActive && c->up != nullptr) touch(c->up);
  return n;
}

bool HttpProxy::can_parse(const ClientConn* c) const {
  if (c->close_after) return false;
  return c->exchange == Exchange::kNone || !c->request_done;
}

// Parses buffered pipelined input while the connection may start another request, then sends
// what is queued. Returns false when the connection was closed.
bool HttpProxy::drive_client(ClientConn* c) {
  uint64_t token = util::Slab<ClientConn>::token(c);
  while (c->pending_off < c->pending.size() && can_parse(c)) {
    size_t n = parse_request(c, c->pending.data() + c->pending_off,
                             c->pending.size() - c->pending_off);
    if (clients_.lookup(token) != c) return false;
    c->pending_off += n;
    if (n == 0) break;
  }
  if (c->pending_off == c->pending.size()) {
    c->pending.clear();
    c->pending_off = 0;
  }
  if (c->close_after && c->pending_off < c->pending.size()) {
    c->unread_input = true;
    c->pending.clear();
    c->pending_off = 0;
  }
  flush_client(c);
  if (c->exchange == Exchange::kNone && c->close_after && !c->out.in_flight() &&
      !c->out.has_pending()) {
    finish_client(c);
    return false;
  }
  update_client_recv(c);
  return true;
}

void HttpProxy::on_client_recv(ClientConn* c, const io::Completion& comp, int64_t now_ns) {
  if (comp.result <= 0) {
    if (comp.result < 0 && comp.result != -ECONNRESET) stats_.add(stats::kIoErrors);
    c->peer_closed = true;
    bool answering = c->exchange == Exchange::kActive && c->request_done;
    bool queued = c->out.in_flight() || c->out.has_pending();
    // A client that half-closed after its last request still gets the answers owed to it.
    if (comp.result == 0 && c->phase != ClientPhase::kLinger && (answering || queued)) {
      c->close_after = true;
      if (!answering) flush_client(c);
      return;
    }
    close_client(c);
    return;
  }
  size_t len = static_cast<size_t>(comp.result);
  stats_.add(stats::kBytesIn, len);
  if (c->close_after) {
    c->unread_input = true;  // after the final request (or lingering): discard
    return;
  }
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

// A request we will not forward: 400 (431, 505) and close. If the backend already got part of
// it, that connection cannot be reused either.
void HttpProxy::reject_request(ClientConn* c, enum http_errno err) {
  stats_.add(stats::kParseErrors);
  int status = 400;
  if (err == HPE_HEADER_OVERFLOW) status = 431;
  if (c->bad_version) status = 505;
  if (c->head_error != http::HeadError::kNone || c->problem != http::RequestProblem::kNone) {
    spdlog::debug("400 from {}: {}", c->ip,
                  c->head_error != http::HeadError::kNone ? http::head_error_text(c->head_error)
                                                          : http::request_problem_text(c->problem));
  }
  c->unread_input = true;
  if (c->up != nullptr) {
    UpstreamConn* up = c->up;
    pool_.add_busy(up->backend, -1);
    c->up = nullptr;
    close_upstream(up);
  }
  c->to_up.clear();
  if (c->response_started) {
    close_client(c);  // part of the answer is out: nothing else can be said
    return;
  }
  c->exchange = Exchange::kNone;
  reply_error(c, status, true);
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
  const ErrorReply* r = error_reply(status);
  c->out.append_ref(close ? r->close : r->keep);
  bool head = c->exchange != Exchange::kNone && c->method == HTTP_HEAD;
  if (!head) c->out.append_ref(r->body);
  stats_.add(response_counter(status));
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
  if (!c->close_after) set_phase(c, ClientPhase::kIdle);
}

void HttpProxy::update_client_recv(ClientConn* c) {
  bool full = c->to_up.pending_bytes() > kMaxQueued || c->out.pending_bytes() > kMaxQueued ||
              c->pending.size() - c->pending_off > kMaxPipelined;
  if (full && !c->recv_paused) {
    c->recv_paused = true;
    backend_.pause_recv(c->fd);
  } else if (!full && c->recv_paused) {
    c->recv_paused = false;
    backend_.resume_recv(c->fd);
  }
}

void HttpProxy::flush_client(ClientConn* c) {
  if (c->out.in_flight() || !c->out.has_pending()) return;
  int iovcnt = 0;
  iovec* iov = c->out.start_send(&iovcnt);
  if (backend_.send(c->fd, iov, iovcnt) < 0) {
    stats_.add(stats::kIoErrors);
    c->out.finish_send();
    c->close_after = true;
  }
}

void HttpProxy::on_client_sent(ClientConn* c, int result, int64_t now_ns) {
  c->out.finish_send();
  if (result < 0) {
    if (result != -EPIPE && result != -ECONNRESET) stats_.add(stats::kIoErrors);
    close_client(c);
    return;
  }
  stats_.add(stats::kBytesOut, static_cast<uint64_t>(result));
  now_ns_ = now_ns;
  if (c->up != nullptr) {
    touch(c->up);
    update_up_recv(c->up);
  }
  if (c->out.has_pending()) {
    flush_client(c);
  } else if (c->exchange == Exchange::kNone &&
             (c->close_after || c->peer_closed ||
              (draining_ && c->pending_off == c->pending.size()))) {
    finish_client(c);
    return;
  }
  update_client_recv(c);
}

// Every answer is out and the connection is to close. A client that may still be sending gets a
// half-close and a short linger, so unread input does not turn our close into a reset that could
// destroy the answer before the client reads it.
void HttpProxy::finish_client(ClientConn* c) {
  if (!c->unread_input || c->peer_closed) {
    close_client(c);
    return;
  }
  shutdown(c->fd, SHUT_WR);
  if (c->recv_paused) {
    c->recv_paused = false;
    backend_.resume_recv(c->fd);
  }
  set_phase(c, ClientPhase::kLinger);
}

void HttpProxy::close_client(ClientConn* c) {
  if (c->up != nullptr) {
    UpstreamConn* up = c->up;
    pool_.add_busy(up->backend, -1);
    c->up = nullptr;
    close_upstream(up);  // mid-exchange: the backend connection is in an unknown state
  }
  util::DeadlineList::cancel(c);
  backend_.close(c->fd);
  c->fd = -1;
  c->out.clear();
  c->to_up.clear();
  c->pending.clear();
  c->pending_off = 0;
  stats_.add(stats::kClosed);
  stats_.add_active(-1);
  clients_.release(c);
}

void HttpProxy::set_phase(ClientConn* c, ClientPhase phase) {
  c->phase = phase;
  switch (phase) {
    case ClientPhase::kIdle:
    case ClientPhase::kWaiting:
      idle_timers_.arm(c, now_ns_);
      break;
    case ClientPhase::kHeaders:
      header_timers_.arm(c, now_ns_);
      break;
    case ClientPhase::kLinger:
      linger_timers_.arm(c, now_ns_);
      break;
    case ClientPhase::kExchange:
      util::DeadlineList::cancel(c);  // the backend timeout covers the exchange
      break;
  }
}

void HttpProxy::expire_client(ClientConn* c) {
  if (c->phase != ClientPhase::kLinger) stats_.add(stats::kTimeouts);
  close_client(c);
}

void HttpProxy::on_timer(int64_t now_ns) {
  now_ns_ = now_ns;
  for (util::DeadlineList* list : {&header_timers_, &idle_timers_, &linger_timers_}) {
    while (util::DeadlineLink* link = list->pop_expired(now_ns)) {
      expire_client(static_cast<ClientConn*>(link));
    }
  }
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
  int64_t next = pool_.next_deadline();
  for (const util::DeadlineList* list :
       {&header_timers_, &idle_timers_, &linger_timers_, &exchange_timers_}) {
    if (list->next_deadline() < next) next = list->next_deadline();
  }
  return next;
}

void HttpProxy::begin_drain(int64_t now_ns) {
  draining_ = true;
  now_ns_ = now_ns;
  pool_.for_each_idle([this](UpstreamConn* up) { close_upstream(up); });
  clients_.for_each_live([this](ClientConn* c) {
    bool idle = c->exchange == Exchange::kNone && c->phase != ClientPhase::kHeaders;
    if (idle && !c->out.in_flight() && !c->out.has_pending()) close_client(c);
  });
}

void HttpProxy::close_all() {
  clients_.for_each_live([this](ClientConn* c) { close_client(c); });
  pool_.for_each_idle([this](UpstreamConn* up) { close_upstream(up); });
  ups_.for_each_live([this](UpstreamConn* up) { close_upstream(up); });
}

}  // namespace percore::server
