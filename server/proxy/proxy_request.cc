// Proxy mode, request side: http-parser callbacks that collect and check each request head,
// start the exchange with an upstream and stream the body to it, one request at a time so
// pipelined requests are answered in order.
#include <spdlog/spdlog.h>

#include <charconv>

#include "core/http/request_target.h"

#include "server/proxy/http_proxy.h"

namespace percore::server {
namespace {

ClientConn* client_of(http_parser* p) {
  return static_cast<ClientConn*>(p->data);
}

}  // namespace

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
  if (!self->queue_request_head(c)) return -1;
  c->exchange = Exchange::kActive;
  c->tried = 0;
  c->attempts = 0;
  c->sent_ns = self->now_ns_;
  self->life_.set_phase(c, ClientPhase::kModeTimer, self->now_ns_);  // the upstream timeout
  self->start_exchange(c, false);
  return 0;
}

// Queues the head to send upstream; false (c->problem set) when its target cannot be forwarded.
// Also used to send the request again after a stale pooled connection.
bool HttpProxy::queue_request_head(ClientConn* c) {
  http::ForwardTarget target;
  c->problem = http::forward_target(c->head.target(), &target);
  if (c->problem != http::RequestProblem::kNone) return false;
  scratch_.clear();
  http::build_request_head(c->head, target, http_method_str(c->method), c->minor, c->ip, &scratch_);
  c->to_up.append_copy(scratch_);
  return true;
}

int HttpProxy::on_req_chunk_header(http_parser* p) {
  ClientConn* c = client_of(p);
  if (c->exchange != Exchange::kActive) return 0;
  // Chunks are re-framed rather than copied: extensions and odd spellings never reach the
  // upstream, only the sizes http-parser accepted.
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
// either waiting for more input, paired with an upstream, answered locally, or closing.
size_t HttpProxy::parse_request(ClientConn* c, const char* data, size_t len) {
  if (ClientLifecycle::between_requests(c)) {
    life_.set_phase(c, ClientPhase::kHeaders,
                    now_ns_);  // the header timeout runs from the first byte
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
    size_t n =
        parse_request(c, c->pending.data() + c->pending_off, c->pending.size() - c->pending_off);
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
  // After the client's FIN no request can still complete: with none in progress, a partial one
  // (if any) is dropped and the connection ends once the answers are out.
  if (c->peer_closed && c->exchange == Exchange::kNone) c->close_after = true;
  flush_client(c);
  if (c->exchange == Exchange::kNone && c->close_after && !c->out.in_flight() &&
      !c->out.has_pending()) {
    finish_client(c);
    return false;
  }
  update_client_recv(c);
  return true;
}

// A request we will not forward: 400 (431, 505) and close. If the upstream already got part of
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
    pool_.add_busy(up->upstream, -1);
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

}  // namespace percore::server
