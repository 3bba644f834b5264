#include "server/http_server.h"

#include <algorithm>
#include <ctime>

#include "core/net/socket.h"
#include "core/util/clock.h"

namespace percore::server {
namespace {

// Bodies up to this size are copied next to their head, so one response is one iovec.
constexpr size_t kCopyBodyLimit = 2048;
// Pipelined answers beyond this many unsent bytes stop reading the client until they drain.
constexpr size_t kMaxPendingBytes = 256 << 10;

}  // namespace

HttpServer::HttpServer(WorkerContext& ctx)
    : ctx_(ctx),
      backend_(*ctx.backend),
      stats_(*ctx.slot),
      responses_(ctx.options->body_size),
      life_(backend_, stats_, *ctx.options) {
  http_parser_set_max_header_size(ctx.options->max_header_bytes);
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &HttpServer::on_message_begin;
  settings_.on_header_field = &HttpServer::on_header_field;
  settings_.on_header_value = &HttpServer::on_header_value;
  settings_.on_headers_complete = &HttpServer::on_headers_complete;
  settings_.on_body = &HttpServer::on_body;
  settings_.on_message_complete = &HttpServer::on_message_complete;
  if (ctx.options->target.enabled) {
    // Workers draw different random faults: seed by worker and start time.
    uint64_t seed = (static_cast<uint64_t>(ctx.index) << 32) ^ static_cast<uint64_t>(time(nullptr));
    target_ = std::make_unique<programmable::Target>(
        ctx.options->target, responses_.body(http::Reply::kOk), seed, stats_);
    settings_.on_url = &HttpServer::on_url;
  }
}

HttpServer::~HttpServer() {
  close_all();
}

void HttpServer::on_accept(int fd, int64_t now_ns) {
  Conn* c = conns_.acquire();
  c->owner = this;
  life_.accept(c, fd, now_ns);
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  c->scanner.reset();
  c->head_request = c->sent_before = c->nodelay = c->expect_continue = false;
  c->reject = http::Reply::kCount;  // the slot may have held a refused connection
  c->crlf_due = 0;
  c->delayed = c->dropped = c->reset_now = false;
  if (target_) {
    if (!c->prog) c->prog = std::make_unique<ProgrammableState>();
    c->prog->stash.clear();
  }
  if (!life_.open(c, util::Slab<Conn>::token(c))) close_conn(c);
}

void HttpServer::on_completion(const io::Completion& comp, int64_t now_ns) {
  Conn* c = conns_.lookup(comp.token);
  if (c == nullptr) return;  // stale: the connection closed earlier in this batch
  if (c->closing) {
    // Only now may the slot, and the answer bytes it holds, be reused.
    if (comp.op == io::Op::kClosed) conns_.release(c);
    return;
  }
  if (comp.op == io::Op::kRecv) {
    on_recv(c, comp, now_ns);
  } else if (comp.op == io::Op::kSend) {
    on_sent(c, comp.result, now_ns);
  }
}

int HttpServer::on_message_begin(http_parser* p) {
  Conn* c = static_cast<Conn*>(p->data);
  // The header deadline is fixed when a request starts, so a client trickling bytes (slowloris)
  // cannot push it back.
  c->owner->life_.set_phase(c, ClientPhase::kHeaders, c->owner->now_ns_);
  c->headers.reset();
  c->reject = http::Reply::kCount;
  c->crlf_due = 0;
  c->expect_continue = false;
  if (c->prog) c->prog->target.reset();
  return 0;
}

int HttpServer::on_message_complete(http_parser* p) {
  Conn* c = static_cast<Conn*>(p->data);
  HttpServer* self = c->owner;
  c->expect_continue = false;
  self->stats_.add(stats::kRequests);
  bool keep =
      self->ctx_.options->keepalive && !self->draining_ && http_should_keep_alive(p) && !p->upgrade;
  if (self->target_) return self->programmable_request(c, keep);
  if (keep) {
    self->queue_reply(c, c->head_request ? http::Reply::kHeadOk : http::Reply::kOk);
    self->life_.set_phase(c, ClientPhase::kIdle, self->now_ns_);
    http_parser_pause(p, 1);  // parse() checks the next pipelined head before the parser sees it
    return 0;
  }
  self->queue_reply(c, c->head_request ? http::Reply::kHeadOkClose : http::Reply::kOkClose);
  return -1;  // stop parsing: nothing after a closing request is answered
}

void HttpServer::on_recv(Conn* c, const io::Completion& comp, int64_t now_ns) {
  if (comp.result <= 0) {
    life_.on_recv_end(c, comp.result);
    // A client that half-closed after its last request still gets the answers in flight.
    if (comp.result == 0 && (c->delayed || c->out.in_flight() || c->out.has_pending()) &&
        c->phase != ClientPhase::kLinger) {
      flush(c);
      return;
    }
    close_conn(c);
    return;
  }
  size_t len = static_cast<size_t>(comp.result);
  if (!life_.take_input(c, len)) return;
  if (c->dropped) return;  // drop=1: read and never answer
  if (c->delayed) {
    stash_input(c, comp.data, len);
    return;
  }
  consume(c, comp.data, len, now_ns);
}

// Parses received bytes and queues the answers; may release the connection.
void HttpServer::consume(Conn* c, const char* data, size_t len, int64_t now_ns) {
  now_ns_ = now_ns;
  // A body has --header-timeout between reads, not in all: a large upload that keeps coming is
  // not cut, a stalled one is (408).
  if (c->phase == ClientPhase::kBody) life_.set_phase(c, ClientPhase::kBody, now_ns);
  parse(c, data, len);
  if (c->reset_now) {
    reset_conn(c);
    return;
  }
  if (c->expect_continue && c->phase == ClientPhase::kBody && !c->close_after) {
    // The client waits for this before it sends the body (curl for 1 s): as nginx does, it is
    // sent once the server is about to read a body that has not started to arrive.
    c->expect_continue = false;
    c->out.append_copy(http::kContinue);
  }
  if (c->dropped || c->delayed) {
    flush(c);  // answers to the requests before the dropped or delayed one still go out
    return;
  }
  flush(c);
  if (close_once_sent(c)) return;
  if (!c->close_after && c->out.pending_bytes() > kMaxPendingBytes) life_.set_recv_paused(c, true);
}

// Runs each request's head through the shared RFC 9112 check (HeadScanner) and http-parser, one
// request at a time: the parser pauses after each so the scanner starts afresh on the next
// pipelined head. A violation of either is a 400 (431, 505) and the connection closes.
void HttpServer::parse(Conn* c, const char* data, size_t len) {
  size_t off = 0;
  parse_end_ = data + len;
  if (c->crlf_due > 0 && !check_chunk_crlf(c, data)) {  // the CRLF began in the previous read
    stats_.add(stats::kParseErrors);
    reject_request(c, http::Reply::kBadRequest, "chunk data not followed by CRLF");
    return;
  }
  for (;;) {
    if (!c->scanner.done()) {
      if (http::HeadError e = c->scanner.feed(data + off, len - off); e != http::HeadError::kNone) {
        stats_.add(stats::kParseErrors);
        reject_request(c, http::Reply::kBadRequest, http::head_error_text(e));
        return;
      }
    }
    size_t parsed = http_parser_execute(&c->parser, &settings_, data + off, len - off);
    enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);
    if (c->reset_now || c->dropped) return;  // --programmable: consume() acts on these
    if (c->close_after) {
      // on_message_complete stopped the parser after a closing request.
      if (off + parsed + 1 < len) c->unread_input = true;
      return;
    }
    if (err == HPE_PAUSED && !c->parser.upgrade) {
      if (c->delayed) {
        // A delayed answer: what follows it waits, so answers keep their order.
        stash_input(c, data + off + parsed, len - off - parsed);
        return;
      }
      http_parser_pause(&c->parser, 0);
      c->scanner.reset();
      off += parsed;
      if (off < len) continue;
      return;
    }
    if (c->reject != http::Reply::kCount) {  // a callback refused the request
      stats_.add(stats::kParseErrors);
      reject_request(c, c->reject, c->reject_why);
      return;
    }
    if (err != HPE_OK && err != HPE_PAUSED) {
      stats_.add(stats::kParseErrors);
      int major = c->scanner.version_major();
      if (err == HPE_HEADER_OVERFLOW) {
        // nginx's split: a request line that alone is over the limit is 414, else 431.
        bool long_line = c->scanner.start_line_bytes() + 2 > ctx_.options->max_header_bytes;
        reject_request(c, long_line ? http::Reply::kUriTooLong : http::Reply::kHeadersTooLarge,
                       long_line ? "request line longer than --max-header-size"
                                 : "request head longer than --max-header-size");
      } else if (major >= 0 && major != 1) {
        // http-parser refuses some such lines outright (HTTP/2's "PRI * HTTP/2.0" preface).
        reject_request(c, http::Reply::kBadVersion, "HTTP version other than 1.x");
      } else {
        reject_request(c, http::Reply::kBadRequest, http_errno_description(err));
      }
      return;
    }
    if (c->parser.upgrade) {
      queue_reply(c, http::Reply::kOkClose);  // answered as HTTP; no switch of protocols
      c->unread_input = true;
    }
    return;
  }
}

void HttpServer::queue_reply(Conn* c, http::Reply reply) {
  c->out.append_copy(responses_.head(reply));
  std::string_view body = responses_.body(reply);
  if (body.size() <= kCopyBodyLimit) {
    c->out.append_copy(body);
  } else {
    c->out.append_ref(body);  // immutable for the life of the worker
  }
  stats_.add(stats::status_class_counter(responses_.status(reply)));
  if (http::closes_connection(reply)) c->close_after = true;
}

void HttpServer::flush(Conn* c) {
  if (c->out.in_flight() || !c->out.has_pending()) return;
  // Nagle can only hold back a send that follows an unacknowledged one, so a connection that
  // answers once and closes (the connection-rate test) never pays for the setsockopt.
  if (c->sent_before) {
    if (!c->nodelay) c->nodelay = net::set_nodelay(c->fd) == 0;
  }
  c->sent_before = true;
  if (life_.flush(c) < 0) close_conn(c);
}

void HttpServer::on_sent(Conn* c, int result, int64_t now_ns) {
  if (!life_.on_sent(c, result)) {
    close_conn(c);
    return;
  }
  if (c->out.has_pending()) {
    flush(c);
    close_once_sent(c);
    return;
  }
  if (c->delayed) return;  // the answer still to come decides how the connection goes on
  if (c->close_after || c->peer_closed) {
    finish(c, now_ns);
    return;
  }
  // The answer just sent said keep-alive, so the next request may already be on its way.
  if (draining_ && ClientLifecycle::between_requests(c)) life_.drain_grace_timers().arm(c, now_ns);
  life_.set_recv_paused(c, false);
}

// All answers are out and the connection is to close, gently when the client may still send.
void HttpServer::finish(Conn* c, int64_t now_ns) {
  if (!life_.start_linger(c, now_ns)) close_conn(c);
}

// The final answer is all in flight and the client sent nothing after its last request: the
// backend closes the socket the moment the answer is out, so the server closes first.
bool HttpServer::close_once_sent(Conn* c) {
  if (!c->close_after || c->unread_input || !c->out.in_flight() || c->out.has_pending()) {
    return false;
  }
  if (!life_.close_when_sent(c)) conns_.release(c);
  return true;
}

void HttpServer::close_conn(Conn* c) {
  life_.close(c);
  conns_.release(c);
}

void HttpServer::expire(Conn* c) {
  if (life_.expired_in_request(c)) {
    // A request that started but never finished its head or body: say so before closing.
    reject_request(c, http::Reply::kRequestTimeout,
                   c->phase == ClientPhase::kHeaders ? "head not complete within --header-timeout"
                                                     : "body stalled for --header-timeout");
    flush(c);
    life_.set_phase(c, ClientPhase::kLinger, now_ns_);
    return;
  }
  close_conn(c);
}

void HttpServer::on_timer(int64_t now_ns) {
  now_ns_ = now_ns;
  responses_.refresh(time(nullptr));
  if (target_) release_due(now_ns);
  life_.expire_timers<Conn>(now_ns, [this](Conn* c) { expire(c); });
}

int64_t HttpServer::next_deadline_ns() const {
  int64_t next = life_.next_deadline();
  return target_ ? std::min(next, target_->next_due_ns()) : next;
}

void HttpServer::begin_drain(int64_t now_ns) {
  draining_ = true;
  now_ns_ = now_ns;
  conns_.for_each_live([this, now_ns](Conn* c) {
    if (ClientLifecycle::between_requests(c)) life_.drain_if_quiet(c, now_ns);
  });
}

void HttpServer::close_all() {
  // A closing connection's socket is the backend's: its slot only goes back.
  conns_.for_each_live([this](Conn* c) { c->closing ? conns_.release(c) : close_conn(c); });
}

}  // namespace percore::server
