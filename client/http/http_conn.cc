// The response side of a connection: http-parser in HTTP_RESPONSE mode, which handles
// Content-Length, chunked and read-until-close bodies; HEAD responses are told to have no body.
#include "client/http/http_conn.h"

namespace percore::client {
namespace {

int on_headers_complete(http_parser* parser) {
  auto* conn = static_cast<HttpConn*>(parser->data);
  // http-parser takes any 1-3 digit status and versions like 0.1; a response is HTTP/1.x with a
  // three-digit status (RFC 9112 4), anything else is malformed (found by fuzzing).
  if (parser->http_major != 1 || parser->status_code < 100 || parser->status_code > 999) return -1;
  // 101 Switching Protocols: what follows is no longer HTTP, and a load test asked for none.
  if (parser->status_code == 101) {
    conn->switched = true;
    return -1;
  }
  // Returning 1 tells http-parser the response has no body, which is what HEAD means.
  return conn->head_method ? 1 : 0;
}

int on_message_complete(http_parser* parser) {
  auto* conn = static_cast<HttpConn*>(parser->data);
  // A 1xx interim response (100 Continue, 103 Early Hints) precedes the final one (RFC 9110
  // 15.2): it answers nothing by itself. http-parser gives it no body and goes on parsing.
  if (parser->status_code / 100 == 1) return 0;
  if (conn->in_flight == 0) {
    conn->unexpected = true;
    http_parser_pause(parser, 1);
    return 0;
  }
  bool keep_alive = http_should_keep_alive(parser) != 0;
  conn->sink->on_response(*conn, static_cast<int>(parser->status_code), keep_alive);
  // Whatever follows a "Connection: close" response is not ours to parse.
  if (!keep_alive) http_parser_pause(parser, 1);
  return 0;
}

const http_parser_settings kSettings = [] {
  http_parser_settings s{};
  http_parser_settings_init(&s);
  s.on_headers_complete = on_headers_complete;
  s.on_message_complete = on_message_complete;
  return s;
}();

FeedResult after_execute(HttpConn& conn, size_t parsed, size_t len) {
  if (conn.unexpected) return FeedResult::kError;
  auto err = HTTP_PARSER_ERRNO(&conn.parser);
  if (err == HPE_PAUSED) return FeedResult::kOk;
  if (err != HPE_OK || parsed != len) return FeedResult::kError;
  return FeedResult::kOk;
}

}  // namespace

void reset_parser(HttpConn& conn) {
  http_parser_init(&conn.parser, HTTP_RESPONSE);
  conn.parser.data = &conn;
  conn.unexpected = false;
  conn.switched = false;
}

FeedResult feed_response(HttpConn& conn, const char* data, size_t len) {
  if (HTTP_PARSER_ERRNO(&conn.parser) == HPE_PAUSED) return FeedResult::kOk;
  size_t parsed = http_parser_execute(&conn.parser, &kSettings, data, len);
  return after_execute(conn, parsed, len);
}

FeedResult feed_eof(HttpConn& conn) {
  if (HTTP_PARSER_ERRNO(&conn.parser) == HPE_PAUSED) return FeedResult::kOk;
  http_parser_execute(&conn.parser, &kSettings, nullptr, 0);
  // EOF in the middle of a response is not a parse error but a close with it outstanding; the
  // worker counts that from the in-flight FIFO.
  if (conn.unexpected) return FeedResult::kError;
  auto err = HTTP_PARSER_ERRNO(&conn.parser);
  return err == HPE_OK || err == HPE_PAUSED || err == HPE_INVALID_EOF_STATE ? FeedResult::kOk
                                                                            : FeedResult::kError;
}

}  // namespace percore::client
