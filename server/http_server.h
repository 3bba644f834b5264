// HTTP server mode: answers every request with the pre-built 200 response, in order, batching
// the answers to pipelined requests into one send. Keep-alive follows -k and HTTP/1.x rules.
#pragma once

#include <http_parser.h>

#include "core/http/response_cache.h"
#include "core/util/slab.h"
#include "server/client_conn.h"
#include "server/mode.h"

namespace percore::server {

class HttpServer final : public Mode {
 public:
  explicit HttpServer(WorkerContext& ctx);
  ~HttpServer() override;

  void on_accept(int fd, int64_t now_ns) override;
  void on_completion(const io::Completion& c, int64_t now_ns) override;
  void on_timer(int64_t now_ns) override;
  int64_t next_deadline_ns() const override;
  void begin_drain(int64_t now_ns) override;
  bool drained() const override { return conns_.live() == 0; }
  void close_all() override;

 private:
  enum class Phase : uint8_t { kWaiting, kHeaders, kBody, kIdle, kLinger };

  struct Conn : ClientSocket {
    HttpServer* owner = nullptr;
    http_parser parser;
    Phase phase = Phase::kWaiting;
    bool head_request = false;
    bool bad_version = false;
    bool sent_before = false;  // TCP_NODELAY is set before the second send, not at accept
    bool nodelay = false;
  };

  static int on_message_begin(http_parser* p);
  static int on_headers_complete(http_parser* p);
  static int on_message_complete(http_parser* p);

  void on_recv(Conn* c, const io::Completion& comp, int64_t now_ns);
  void on_sent(Conn* c, int result, int64_t now_ns);
  void queue_reply(Conn* c, http::Reply reply);
  void flush(Conn* c);
  void finish(Conn* c, int64_t now_ns);
  void close_conn(Conn* c);
  bool close_once_sent(Conn* c);
  void set_phase(Conn* c, Phase phase, int64_t now_ns);
  util::DeadlineList& timers_for(Phase phase);
  void expire(Conn* c);

  WorkerContext& ctx_;
  io::Backend& backend_;
  stats::WorkerSlot& stats_;
  http::ResponseCache responses_;
  http_parser_settings settings_{};
  ClientLifecycle life_;
  util::Slab<Conn> conns_;
  int64_t now_ns_ = 0;  // time of the completion being handled, for the parser callbacks
  bool draining_ = false;
};

}  // namespace percore::server
