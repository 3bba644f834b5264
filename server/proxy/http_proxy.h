// Proxy mode (-x): forwards each HTTP request to an upstream over a per-worker pool of keep-alive
// connections and streams the answer back, in order, with bounded memory per connection. The
// client side lives in http_proxy.cc (connections, replies, timers) and proxy_request.cc
// (parsing requests and queueing them for an upstream), the upstream side in upstream_side.cc.
#pragma once

#include <http_parser.h>

#include <string>
#include <string_view>

#include "core/util/deadline_list.h"
#include "core/util/slab.h"
#include "server/client_conn.h"
#include "server/mode.h"
#include "server/proxy/proxy_conns.h"
#include "server/proxy/upstream_pool.h"

namespace percore::server {

class HttpProxy final : public Mode {
 public:
  explicit HttpProxy(WorkerContext& ctx);
  ~HttpProxy() override;

  void on_accept(int fd, int64_t now_ns) override;
  void on_completion(const io::Completion& c, int64_t now_ns) override;
  void on_timer(int64_t now_ns) override;
  int64_t next_deadline_ns() const override;
  void begin_drain(int64_t now_ns) override;
  bool drained() const override { return clients_.live() == 0; }
  void close_all() override;

 private:
  // Upstream tokens carry this bit so they never collide with client tokens.
  static constexpr uint64_t kUpstreamTag = io::kSubKindTokenBit;
  // Unsent bytes beyond which the side feeding a queue stops reading (bounded memory per
  // connection, both directions), and parsed-ahead pipelined input beyond which reading pauses.
  static constexpr size_t kMaxQueued = 256 << 10;
  static constexpr size_t kMaxPipelined = 64 << 10;
  // Response body pieces at least this large go out of the lent receive buffer (Backend::lend);
  // smaller ones are cheaper to copy than to pin a buffer for.
  static constexpr size_t kLendMinBytes = 512;
  enum class Failure : uint8_t { kConnect, kIo, kMalformed, kTimeout };

  // Client side: the parser callbacks and request handling are in proxy_request.cc, the
  // connection's replies, timers and closing in http_proxy.cc.
  static int on_req_begin(http_parser* p);
  static int on_req_url(http_parser* p, const char* at, size_t len);
  static int on_req_field(http_parser* p, const char* at, size_t len);
  static int on_req_value(http_parser* p, const char* at, size_t len);
  static int on_req_headers(http_parser* p);
  static int on_req_chunk_header(http_parser* p);
  static int on_req_body(http_parser* p, const char* at, size_t len);
  static int on_req_chunk_done(http_parser* p);
  static int on_req_done(http_parser* p);

  void on_client_recv(ClientConn* c, const io::Completion& comp, int64_t now_ns);
  void on_client_sent(ClientConn* c, int result, int64_t now_ns);
  size_t parse_request(ClientConn* c, const char* data, size_t len);
  bool drive_client(ClientConn* c);
  bool queue_request_head(ClientConn* c);
  void fail_exchange(ClientConn* c, int status);
  bool client_keep(const ClientConn* c) const {
    return ctx_.options->keepalive && !draining_ && c->wants_keep_alive;
  }
  static bool has_body(const ClientConn* c) {
    return c->framing.chunked || c->framing.content_length > 0;
  }
  bool can_parse(const ClientConn* c) const;
  void reject_request(ClientConn* c, enum http_errno err);
  void reply_error(ClientConn* c, int status, bool close);
  void end_exchange(ClientConn* c);
  void update_client_recv(ClientConn* c);
  void flush_client(ClientConn* c);
  void finish_client(ClientConn* c);
  void close_client(ClientConn* c);
  void expire_client(ClientConn* c);

  // Upstream side (upstream_side.cc).
  static int on_resp_begin(http_parser* p);
  static int on_resp_status(http_parser* p, const char* at, size_t len);
  static int on_resp_field(http_parser* p, const char* at, size_t len);
  static int on_resp_value(http_parser* p, const char* at, size_t len);
  static int on_resp_headers(http_parser* p);
  static int on_resp_chunk_header(http_parser* p);
  static int on_resp_body(http_parser* p, const char* at, size_t len);
  static int on_resp_chunk_done(http_parser* p);
  static int on_resp_done(http_parser* p);

  void start_exchange(ClientConn* c, bool fresh);
  void on_up_connect(UpstreamConn* up, int result);
  void on_up_recv(UpstreamConn* up, const io::Completion& comp);
  void on_up_sent(UpstreamConn* up, int result);
  void finish_response(UpstreamConn* up, bool leftover);
  void upstream_failed(UpstreamConn* up, Failure why, int err);
  void flush_upstream(ClientConn* c);
  void update_up_recv(UpstreamConn* up);
  void touch(UpstreamConn* up) { exchange_timers_.arm(up, now_ns_); }
  void close_upstream(UpstreamConn* up);
  static uint64_t up_token(const UpstreamConn* up) {
    return util::Slab<UpstreamConn>::token(up) | kUpstreamTag;
  }

  WorkerContext& ctx_;
  io::Backend& backend_;
  stats::WorkerSlot& stats_;
  UpstreamPool pool_;
  http_parser_settings req_settings_{};
  http_parser_settings resp_settings_{};
  ClientLifecycle life_;
  util::Slab<ClientConn> clients_;
  util::Slab<UpstreamConn> ups_;
  util::DeadlineList exchange_timers_;
  std::string scratch_;  // a head being built; keeps its capacity
  // The upstream receive being parsed, so that its body pieces can be sent to the client straight
  // out of the receive buffer (Backend::lend), and whether that buffer is lent already.
  const io::Completion* up_recv_ = nullptr;
  bool up_recv_lent_ = false;
  int64_t now_ns_ = 0;
  bool draining_ = false;
};

}  // namespace percore::server
