// Proxy mode, upstream side: choosing and connecting an upstream, sending the request, parsing and
// streaming the response back to the client, pooling the connection afterwards, and turning
// upstream failures into retries, 502 or 504.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstring>

#include "core/net/socket.h"
#include "server/proxy/http_proxy.h"

namespace percore::server {
namespace {

UpstreamConn* up_of(http_parser* p) {
  return static_cast<UpstreamConn*>(p->data);
}

// Methods whose request may be sent twice without changing the outcome (RFC 9110 9.2.2).
bool idempotent(http_method m) {
  switch (m) {
    case HTTP_GET:
    case HTTP_HEAD:
    case HTTP_OPTIONS:
    case HTTP_TRACE:
    case HTTP_PUT:
    case HTTP_DELETE:
      return true;
    default:
      return false;
  }
}

}  // namespace

// Pairs the client's request with a pooled connection (or a new one) to the next upstream. An
// upstream that cannot even be connected to is skipped; when none is left the answer is 502.
void HttpProxy::start_exchange(ClientConn* c, bool fresh) {
  int max_attempts = static_cast<int>(pool_.size()) + 2;
  for (;;) {
    int b = pool_.pick(c->tried);
    if (b < 0 || ++c->attempts > max_attempts) {
      fail_exchange(c, 502);
      return;
    }
    UpstreamConn* up = fresh ? nullptr : pool_.take_idle(b);
    if (up == nullptr) {
      const net::Address& addr = pool_.address(b);
      int fd = net::stream_socket(addr);
      if (fd < 0) {
        stats_.add(stats::kIoErrors);
        fail_exchange(c, 502);
        return;
      }
      net::set_nodelay(fd);
      up = ups_.acquire();
      up->owner = this;
      up->fd = fd;
      up->upstream = b;
      up->pool_pos = -1;
      up->reused = false;
      up->recv_paused = false;
      up->state = UpState::kConnecting;
      stats_.add(stats::kUpstreamConnects);
      pool_.stats(b).add(pool_.stats(b).connects);
      int rc = backend_.connect(fd, up_token(up), addr.sa(), addr.len);
      if (rc < 0) {
        // The event loop did not take a socket it could not start connecting (core/io/backend.h).
        ::close(fd);
        ups_.release(up);
        stats_.add(stats::kUpstreamFailures);
        pool_.stats(b).add(pool_.stats(b).failures);
        pool_.on_failure(b, now_ns_, strerror(-rc));
        c->tried |= uint64_t{1} << b;
        continue;
      }
    } else {
      up->state = UpState::kBusy;
      stats_.add(stats::kPoolReuses);
      pool_.stats(b).add(pool_.stats(b).reuses);
    }
    http_parser_init(&up->parser, HTTP_RESPONSE);
    up->parser.data = up;
    up->scanner.reset();
    up->head.reset();
    up->response_seen = up->interim = up->in_body = false;
    up->client = c;
    c->up = up;
    pool_.add_busy(b, 1);
    pool_.stats(b).add(pool_.stats(b).requests);
    stats_.add(stats::kProxyForwarded);
    touch(up);
    // No send from here: this may run inside the request parser's callback, and a failing send
    // would re-enter it. Every caller flushes once parsing is done.
    return;
  }
}

void HttpProxy::on_up_connect(UpstreamConn* up, int result) {
  if (up->state != UpState::kConnecting || up->client == nullptr) return;
  if (result < 0) {
    upstream_failed(up, Failure::kConnect, -result);
    return;
  }
  up->state = UpState::kBusy;
  touch(up);
  flush_upstream(up->client);
}

void HttpProxy::flush_upstream(ClientConn* c) {
  UpstreamConn* up = c->up;
  if (up == nullptr || up->state != UpState::kBusy) return;
  if (int rc = c->to_up.flush(backend_, up->fd); rc < 0) upstream_failed(up, Failure::kIo, -rc);
}

void HttpProxy::on_up_sent(UpstreamConn* up, int result) {
  ClientConn* c = up->client;
  if (c == nullptr) return;
  c->to_up.finish_send();
  if (result < 0) {
    upstream_failed(up, Failure::kIo, -result);
    return;
  }
  touch(up);
  flush_upstream(c);
  if (c->up == up) update_client_recv(c);
}

void HttpProxy::update_up_recv(UpstreamConn* up) {
  bool full = up->client != nullptr && up->client->out.pending_bytes() > kMaxQueued;
  set_recv_paused(backend_, up->fd, &up->recv_paused, full);
}

// --- response parsing ------------------------------------------------------------------------

int HttpProxy::on_resp_begin(http_parser* p) {
  UpstreamConn* up = up_of(p);
  up->head.reset();
  up->in_body = false;
  return 0;
}

int HttpProxy::on_resp_status(http_parser* p, const char* at, size_t len) {
  up_of(p)->head.add_reason(at, len);
  return 0;
}

int HttpProxy::on_resp_field(http_parser* p, const char* at, size_t len) {
  UpstreamConn* up = up_of(p);
  if (!up->in_body) up->head.add_field(at, len);
  return 0;
}

int HttpProxy::on_resp_value(http_parser* p, const char* at, size_t len) {
  UpstreamConn* up = up_of(p);
  if (!up->in_body) up->head.add_value(at, len);
  return 0;
}

int HttpProxy::on_resp_headers(http_parser* p) {
  UpstreamConn* up = up_of(p);
  ClientConn* c = up->client;
  HttpProxy* self = up->owner;
  up->in_body = true;
  int status = p->status_code;
  up->status = status;
  // We never ask to switch protocols (101). A status outside 100-599 is malformed: http-parser
  // takes "20", which would otherwise pass as an interim answer (found by fuzzing).
  if (status == 101 || status < 100 || status > 599 || p->http_major != 1) return -1;
  if (status < 200) {
    // An interim answer has no content (RFC 9110 15.2), so framing headers on one are a broken
    // backend; forwarded, they would make the client read the next answer as its body (found by
    // fuzzing).
    if ((p->flags & F_CHUNKED) != 0 || p->content_length != ULLONG_MAX) return -1;
    // Interim (100 Continue, 103): passed on to HTTP/1.1 clients; the final answer follows.
    up->interim = true;
    if (c->minor >= 1) {
      self->scratch_.clear();
      http::build_response_head(up->head, status, c->minor, true, &self->scratch_);
      c->out.append_copy(self->scratch_);
    }
    return 1;
  }
  self->stats_.add_latency(self->now_ns_ - c->sent_ns);
  up->keep_alive = http_should_keep_alive(p) != 0;
  // HEAD, 204 and 304 have no body whatever their headers say (RFC 9112 6.3).
  up->skip_body = c->method == HTTP_HEAD || status == 204 || status == 304;
  up->chunked = !up->skip_body && (p->flags & F_CHUNKED) != 0;
  up->eof_body = !up->skip_body && !up->chunked && p->content_length == ULLONG_MAX;
  // After the client's FIN the answer to its last request says close; earlier pipelined ones
  // stay keep-alive, since the connection goes on to answer the rest.
  bool last = c->peer_closed && c->pending_off == c->pending.size();
  bool keep = self->client_keep(c) && !up->eof_body && c->request_done && !last;
  self->scratch_.clear();
  http::build_response_head(up->head, status, c->minor, keep, &self->scratch_);
  c->out.append_copy(self->scratch_);
  c->response_started = true;
  if (!keep) c->close_after = true;
  self->stats_.add(stats::status_class_counter(status));
  self->pool_.on_success(up->upstream, self->now_ns_);
  return up->skip_body ? 1 : 0;
}

int HttpProxy::on_resp_chunk_header(http_parser* p) {
  UpstreamConn* up = up_of(p);
  char line[24];
  auto res = std::to_chars(line, line + 16, p->content_length, 16);
  *res.ptr++ = '\r';
  *res.ptr++ = '\n';
  up->client->out.append_copy(std::string_view(line, static_cast<size_t>(res.ptr - line)));
  return 0;
}

int HttpProxy::on_resp_body(http_parser* p, const char* at, size_t len) {
  HttpProxy* self = up_of(p)->owner;
  io::SendQueue& out = up_of(p)->client->out;
  std::string_view piece(at, len);
  // Large pieces go to the client straight out of the upstream's receive buffer where the backend
  // lends it (io_uring): body bytes are not copied in user space. The buffer is lent once per
  // receive and given back with the batch that holds its first piece; its later pieces join that
  // batch, since nothing is flushed while one receive is parsed.
  if (self->up_recv_ != nullptr && len >= kLendMinBytes) {
    if (self->up_recv_lent_) {
      out.append_ref(piece);
      return 0;
    }
    if (self->backend_.lend(*self->up_recv_)) {
      self->up_recv_lent_ = true;
      out.append_lent(piece);
      return 0;
    }
  }
  out.append_copy(piece);
  return 0;
}

int HttpProxy::on_resp_chunk_done(http_parser* p) {
  up_of(p)->client->out.append_copy("\r\n");
  return 0;
}

int HttpProxy::on_resp_done(http_parser* p) {
  http_parser_pause(p, 1);
  return 0;
}

void HttpProxy::on_up_recv(UpstreamConn* up, const io::Completion& comp) {
  ClientConn* c = up->client;
  if (up->state == UpState::kIdle || c == nullptr) {
    // A pooled connection the upstream closed (or spoke on unasked): never reuse it.
    close_upstream(up);
    return;
  }
  if (comp.result <= 0) {
    if (comp.result == 0 && up->eof_body && up->in_body) {
      http_parser_execute(&up->parser, &resp_settings_, nullptr, 0);  // EOF ends the body
      if (HTTP_PARSER_ERRNO(&up->parser) == HPE_PAUSED) {
        up->keep_alive = false;
        finish_response(up, false);
        return;
      }
    }
    upstream_failed(up, Failure::kIo, comp.result == 0 ? ECONNRESET : -comp.result);
    return;
  }
  touch(up);
  up->response_seen = true;
  const char* data = comp.data;
  size_t len = static_cast<size_t>(comp.result);
  up_recv_ = &comp;
  up_recv_lent_ = false;
  struct Forget {
    const io::Completion** recv;
    ~Forget() { *recv = nullptr; }
  } forget{&up_recv_};
  while (len > 0) {
    if (!up->scanner.done() && up->scanner.feed(data, len) != http::HeadError::kNone) {
      upstream_failed(up, Failure::kMalformed, 0);
      return;
    }
    size_t n = http_parser_execute(&up->parser, &resp_settings_, data, len);
    enum http_errno err = HTTP_PARSER_ERRNO(&up->parser);
    if (err == HPE_PAUSED) {
      http_parser_pause(&up->parser, 0);
      data += n;
      len -= n;
      if (up->interim) {
        up->interim = false;
        up->scanner.reset();
        continue;
      }
      finish_response(up, len > 0);
      return;
    }
    if (err != HPE_OK) {
      upstream_failed(up, Failure::kMalformed, 0);
      return;
    }
    break;
  }
  flush_client(c);
  update_up_recv(up);
}

// The whole response is queued for the client: pool the upstream connection if it is clean,
// and let the client connection go on with its next request.
void HttpProxy::finish_response(UpstreamConn* up, bool leftover) {
  ClientConn* c = up->client;
  bool reusable = up->keep_alive && !leftover && c->request_done && !c->to_up.in_flight() &&
                  !c->to_up.has_pending() && !draining_;
  pool_.add_busy(up->upstream, -1);
  c->up = nullptr;
  up->client = nullptr;
  util::DeadlineList::cancel(up);
  if (reusable) {
    up->state = UpState::kIdle;
    up->reused = true;
    set_recv_paused(backend_, up->fd, &up->recv_paused, false);  // to notice a close while idle
    if (!pool_.put_idle(up, now_ns_)) close_upstream(up);
  } else {
    close_upstream(up);
  }
  end_exchange(c);
  if (drive_client(c) && c->up != nullptr) flush_upstream(c);
}

void HttpProxy::upstream_failed(UpstreamConn* up, Failure why, int err) {
  ClientConn* c = up->client;
  int b = up->upstream;
  bool stale = up->reused && !up->response_seen && why == Failure::kIo;
  if (c != nullptr) {
    pool_.add_busy(b, -1);
    c->up = nullptr;
  }
  up->client = nullptr;
  close_upstream(up);
  if (c == nullptr) return;
  if (why != Failure::kMalformed && !stale) {
    stats_.add(stats::kUpstreamFailures);
    pool_.stats(b).add(pool_.stats(b).failures);
    pool_.on_failure(b, now_ns_, why == Failure::kTimeout ? "no answer in time" : strerror(err));
  }
  if (c->response_started) {
    close_client(c);  // part of the answer is out: the client sees a truncated response
    return;
  }
  if (why == Failure::kConnect) {
    // Nothing was sent: the queued request goes to the next upstream as it is.
    c->tried |= uint64_t{1} << b;
    start_exchange(c, false);
  } else if (stale && idempotent(c->method) && !has_body(c)) {
    // A pooled connection the upstream had closed: send the request again on a fresh one.
    stats_.add(stats::kUpstreamRetries);
    c->to_up.clear();
    queue_request_head(c);  // the same head as the first time: its target was accepted then
    start_exchange(c, true);
  } else {
    if (why == Failure::kMalformed) spdlog::debug("malformed response from {}", pool_.name(b));
    fail_exchange(c, why == Failure::kTimeout ? 504 : 502);
  }
  if (drive_client(c) && c->up != nullptr) flush_upstream(c);
}

void HttpProxy::close_upstream(UpstreamConn* up) {
  pool_.remove_idle(up);
  backend_.close(up->fd);
  up->fd = -1;
  up->client = nullptr;
  ups_.release(up);
}

}  // namespace percore::server
