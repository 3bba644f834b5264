// HTTP server mode: answers every request with the pre-built 200 response, in order, batching
// the answers to pipelined requests into one send. Keep-alive follows -k and HTTP/1.x rules.
// With --programmable each request's query string chooses its answer instead
// (http_server_programmable.cc, server/programmable/).
#pragma once

#include <http_parser.h>

#include <memory>
#include <string>

#include "core/http/head_scanner.h"
#include "core/http/header_watch.h"
#include "core/http/response_cache.h"
#include "core/util/slab.h"
#include "server/client_conn.h"
#include "server/mode.h"
#include "server/programmable/target.h"

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
  // Per-connection state of the programmable target, allocated once per slab slot.
  struct ProgrammableState {
    programmable::RequestTarget target;
    programmable::TargetSpec pending;  // the delayed answer
    bool pending_keep = false;
    bool pending_head = false;
    std::string stash;  // input received behind a delayed answer, parsed once it is out
  };

  struct Conn : ClientSocket {
    HttpServer* owner = nullptr;
    http_parser parser;
    http::HeadScanner scanner{http::HeadScanner::StartLine::kRequest};
    http::HeaderWatch headers;
    // Set by a parser callback that refuses the request; kCount: none.
    http::Reply reject = http::Reply::kCount;
    const char* reject_why = nullptr;
    uint8_t crlf_due = 0;          // bytes of a chunk's closing CRLF still to check (2, 1, 0)
    bool expect_continue = false;  // Expect: 100-continue and the body has not started yet
    bool head_request = false;
    bool sent_before = false;  // TCP_NODELAY is set before the second send, not at accept
    bool nodelay = false;
    bool delayed = false;                     // an answer waits for its delay (parsing paused)
    bool dropped = false;                     // drop=1: the connection's input is read and ignored
    bool reset_now = false;                   // reset=1: abort with a reset once parsing stops
    std::unique_ptr<ProgrammableState> prog;  // --programmable only
  };

  static int on_message_begin(http_parser* p);
  static int on_header_field(http_parser* p, const char* at, size_t len);
  static int on_header_value(http_parser* p, const char* at, size_t len);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, size_t len);
  static int on_message_complete(http_parser* p);
  static int refuse(Conn* c, http::Reply reply, const char* why);

  void on_recv(Conn* c, const io::Completion& comp, int64_t now_ns);
  void consume(Conn* c, const char* data, size_t len, int64_t now_ns);
  void parse(Conn* c, const char* data, size_t len);
  void on_sent(Conn* c, int result, int64_t now_ns);
  void queue_reply(Conn* c, http::Reply reply);
  void reject_request(Conn* c, http::Reply reply, const char* why);
  void log_rejected(const Conn* c, http::Reply reply, const char* why) const;
  bool check_chunk_crlf(Conn* c, const char* from);
  void flush(Conn* c);
  void finish(Conn* c, int64_t now_ns);
  void close_conn(Conn* c);
  bool close_once_sent(Conn* c);
  void expire(Conn* c);

  // The programmable target (http_server_programmable.cc).
  static int on_url(http_parser* p, const char* at, size_t len);
  int programmable_request(Conn* c, bool keep);
  void answer_programmable(Conn* c, const programmable::TargetSpec& spec, bool keep, bool head);
  void stash_input(Conn* c, const char* data, size_t len);
  void release_delayed(Conn* c, int64_t now_ns);
  void release_due(int64_t now_ns);
  void reset_conn(Conn* c);

  WorkerContext& ctx_;
  io::Backend& backend_;
  stats::WorkerSlot& stats_;
  http::ResponseCache responses_;
  http_parser_settings settings_{};
  ClientLifecycle life_;
  util::Slab<Conn> conns_;
  std::unique_ptr<programmable::Target> target_;  // --programmable only
  int64_t now_ns_ = 0;  // time of the completion being handled, for the parser callbacks
  const char* parse_end_ = nullptr;  // end of the bytes http_parser_execute() is given
  bool draining_ = false;
};

}  // namespace percore::server
