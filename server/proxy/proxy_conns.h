// The two kinds of connection the proxy mode owns: a client connection and an upstream (upstream)
// connection. While a request is in flight the two are paired; an upstream connection between
// requests sits in its upstream's idle pool. Both outgoing queues live on the client side, so a
// request that has not reached an upstream yet survives a failed connect and goes to the next one.
#pragma once

#include <http_parser.h>
#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "core/http/head_scanner.h"
#include "core/http/message_head.h"
#include "core/http/request_checks.h"
#include "core/io/send_queue.h"
#include "core/util/deadline_list.h"
#include "core/util/slab.h"
#include "server/client_conn.h"

namespace percore::server {

class HttpProxy;
struct ClientConn;

enum class UpState : uint8_t { kConnecting, kBusy, kIdle };

struct UpstreamConn : util::SlabEntry, util::DeadlineLink {
  HttpProxy* owner = nullptr;  // for http-parser callbacks
  int fd = -1;
  int upstream = 0;
  UpState state = UpState::kConnecting;
  int32_t pool_pos = -1;  // index in the upstream's idle list while pooled
  bool reused = false;    // served an earlier request: the upstream may have closed it meanwhile
  bool recv_paused = false;
  bool response_seen = false;  // any response byte arrived for the current request
  bool interim = false;        // the response being parsed is a 1xx
  bool in_body = false;        // header callbacks now carry trailers, which are dropped
  bool keep_alive = false;     // the upstream allows reusing the connection after this response
  bool skip_body = false;
  bool eof_body = false;  // the body ends when the upstream closes
  bool chunked = false;
  int status = 0;
  http_parser parser;
  http::HeadScanner scanner;
  http::MessageHead head;
  ClientConn* client = nullptr;
};

// What the client connection is doing with its current request.
enum class Exchange : uint8_t {
  kNone,    // no request in progress
  kActive,  // paired with an upstream connection (or connecting one)
  kFailed,  // answered locally (502/504); the rest of the request body is discarded
};

struct ClientConn : ClientSocket {
  HttpProxy* owner = nullptr;  // for http-parser callbacks
  http_parser parser;
  http::HeadScanner scanner{http::HeadScanner::StartLine::kRequest};
  http::MessageHead head;
  http::RequestFraming framing;
  io::SendQueue to_up;  // to the paired upstream (ClientSocket::out goes to the client)
  std::string pending;  // received bytes not parsed yet (pipelined requests)
  size_t pending_off = 0;
  UpstreamConn* up = nullptr;
  Exchange exchange = Exchange::kNone;
  http_method method = HTTP_GET;
  uint8_t minor = 1;
  bool wants_keep_alive = false;
  bool request_done = false;      // the whole request was parsed
  bool in_body = false;           // header callbacks now carry trailers
  bool response_started = false;  // bytes of the answer were queued: no 502/504 possible now
  bool bad_version = false;
  http::RequestProblem problem = http::RequestProblem::kNone;
  http::HeadError head_error = http::HeadError::kNone;
  uint64_t tried = 0;  // upstreams whose connect failed for this request
  int attempts = 0;
  int64_t sent_ns = 0;  // when the request head was queued for an upstream (upstream latency)
  char ip[INET6_ADDRSTRLEN] = {};
};

}  // namespace percore::server
