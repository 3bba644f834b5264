// HTTP server mode: what a request head and body must satisfy beyond what HeadScanner and
// http-parser check, and how a refused request is answered and logged. http-parser (Debian's
// non-strict build) accepts any two bytes after a chunk's data and does not look at Host or
// Expect; the proxy checks a copied head (check_request), this mode watches the callbacks
// instead and keeps nothing.
#include <spdlog/spdlog.h>

#include <climits>

#include "core/net/address.h"
#include "server/http_server.h"

namespace percore::server {

// Marks the request refused; the parser stops (-1) and parse() answers with `reply`.
int HttpServer::refuse(Conn* c, http::Reply reply, const char* why) {
  c->reject = reply;
  c->reject_why = why;
  return -1;
}

int HttpServer::on_header_field(http_parser* p, const char* at, size_t len) {
  Conn* c = static_cast<Conn*>(p->data);
  if (c->phase == ClientPhase::kHeaders) c->headers.on_field(at, len);  // not trailers
  return 0;
}

int HttpServer::on_header_value(http_parser* p, const char* at, size_t len) {
  Conn* c = static_cast<Conn*>(p->data);
  if (c->phase == ClientPhase::kHeaders) c->headers.on_value(at, len);
  return 0;
}

int HttpServer::on_headers_complete(http_parser* p) {
  Conn* c = static_cast<Conn*>(p->data);
  if (p->http_major != 1) return refuse(c, http::Reply::kBadVersion, "HTTP version other than 1.x");
  // HTTP/1.2 and up are read as 1.1 (RFC 9110 6.2: a higher minor version is compatible).
  bool v11 = p->http_minor >= 1;
  // An origin server, not a tunnel: CONNECT gets 405 (the other methods all get the answer).
  if (p->method == HTTP_CONNECT) {
    return refuse(c, http::Reply::kMethodNotAllowed, "CONNECT (not a proxy)");
  }
  c->headers.finish();
  if (c->headers.hosts() > 1) return refuse(c, http::Reply::kBadRequest, "more than one Host");
  if (c->headers.hosts() == 0 && v11) {
    return refuse(c, http::Reply::kBadRequest, "HTTP/1.1 request without Host");
  }
  // Expect means nothing in HTTP/1.0 (RFC 9110 10.1.1: ignore it there).
  if (v11 && c->headers.expect() == http::HeaderWatch::Expect::kOther) {
    return refuse(c, http::Reply::kExpectationFailed, "Expect other than 100-continue");
  }
  bool has_body =
      (p->flags & F_CHUNKED) != 0 || (p->content_length > 0 && p->content_length != ULLONG_MAX);
  c->expect_continue =
      v11 && has_body && c->headers.expect() == http::HeaderWatch::Expect::kContinue;
  c->head_request = p->method == HTTP_HEAD;
  c->owner->life_.set_phase(c, ClientPhase::kBody, c->owner->now_ns_);
  return 0;
}

int HttpServer::on_body(http_parser* p, const char* at, size_t len) {
  Conn* c = static_cast<Conn*>(p->data);
  c->expect_continue = false;  // the body is on its way already
  // http-parser reports a chunk's last data bytes with content_length 0; what follows them is
  // the chunk's CRLF, which the non-strict build does not check.
  if ((p->flags & F_CHUNKED) != 0 && p->content_length == 0) {
    c->crlf_due = 2;
    if (!c->owner->check_chunk_crlf(c, at + len)) {
      return refuse(c, http::Reply::kBadRequest, "chunk data not followed by CRLF");
    }
  }
  return 0;
}

// Checks the part of a chunk's closing CRLF that lies in [from, parse_end_); the rest, if any,
// is checked at the start of the next read.
bool HttpServer::check_chunk_crlf(Conn* c, const char* from) {
  for (const char* q = from; q < parse_end_ && c->crlf_due > 0; ++q) {
    if (*q != (c->crlf_due == 2 ? '\r' : '\n')) return false;
    --c->crlf_due;
  }
  return true;
}

void HttpServer::reject_request(Conn* c, http::Reply reply, const char* why) {
  log_rejected(c, reply, why);
  queue_reply(c, reply);
  c->unread_input = true;
}

// -d: each refused request, with the peer and the reason, so a client's 400 can be explained.
// Never on a good request's path, and nothing is formatted unless debug logging is on.
void HttpServer::log_rejected(const Conn* c, http::Reply reply, const char* why) const {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  net::Address peer;
  std::string from = net::peer_address(c->fd, &peer) ? peer.to_string() : "?";
  spdlog::debug("{} from {}: {}", responses_.status(reply), from, why != nullptr ? why : "?");
}

}  // namespace percore::server
