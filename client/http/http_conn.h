// One `client http` connection: the generic slot (socket, generation, requests in flight) plus
// its http-parser for the responses and what they said about the connection's future.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <cstdint>

#include "client/run/load_slot.h"

namespace percore::client {

struct HttpConn;

// Receives every complete response, in order, from inside the parser.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void on_response(HttpConn& conn, int status, bool keep_alive) = 0;
};

// The HTTP part of a connection slot; LoadWorker drives the Slot part.
struct HttpConn : Slot {
  bool server_closing = false;  // a response said Connection: close
  bool unexpected = false;      // a response arrived with nothing in flight
  bool switched = false;        // a 101 Switching Protocols response arrived
  uint64_t sent_on_conn = 0;
  bool head_method = false;
  ResponseSink* sink = nullptr;
  http_parser parser{};
};

enum class FeedResult { kOk, kError };

// Prepares the parser for a new connection.
void reset_parser(HttpConn& conn);
// Parses received bytes, calling conn.sink->on_response for each complete response. Stops early
// (still kOk) once a response announces Connection: close. 1xx interim responses are skipped.
// kError: malformed or unasked-for data, or a 101 (conn.switched set).
FeedResult feed_response(HttpConn& conn, const char* data, size_t len);
// Tells the parser the server closed: completes a read-until-close body.
FeedResult feed_eof(HttpConn& conn);

}  // namespace percore::client
