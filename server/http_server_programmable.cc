// HTTP server mode with --programmable: each request's query string (status, size, delay,
// chunked, close, reset, drop, headers) chooses its answer, on top of the command-line defaults
// and the random faults (server/programmable/). A delayed answer is a timer, never a blocked
// worker: the connection's parsing pauses, input behind it is stashed, and the rest follows
// once the answer is out, so pipelined answers keep their order.
#include <ctime>

#include "core/net/socket.h"
#include "server/http_server.h"

namespace percore::server {
namespace {

// Input stashed behind a delayed answer beyond this stops reading the client.
constexpr size_t kMaxStashBytes = 256 << 10;

}  // namespace

int HttpServer::on_url(http_parser* p, const char* at, size_t len) {
  Conn* c = static_cast<Conn*>(p->data);
  c->prog->target.append(at, len);
  return 0;
}

// Called from on_message_complete; its return value is the parser callback's.
int HttpServer::programmable_request(Conn* c, bool keep) {
  programmable::Decision d = target_->decide(c->prog->target);
  switch (d.action) {
    case programmable::Action::kBadRequest:
      target_->responses().append_bad_request(d.error.text, &c->out);
      stats_.add(stats::kResp4xx);
      c->close_after = true;
      return -1;  // nothing after a refused request is answered
    case programmable::Action::kReset:
      c->reset_now = true;
      return -1;
    case programmable::Action::kDrop:
      c->dropped = true;
      life_.set_phase(c, ClientPhase::kIdle,
                      now_ns_);  // the idle timeout ends it, as for any silent peer
      return -1;
    case programmable::Action::kDelay: {
      ProgrammableState& s = *c->prog;
      s.pending = d.spec;
      s.pending_keep = keep && !d.spec.close;
      s.pending_head = c->head_request;
      c->delayed = true;
      life_.set_phase(c, ClientPhase::kModeTimer, now_ns_);
      target_->schedule(util::Slab<Conn>::token(c), now_ns_ + d.spec.delay_ns);
      http_parser_pause(&c->parser, 1);
      return 0;
    }
    case programmable::Action::kAnswer:
      break;
  }
  bool keep_open = keep && !d.spec.close;
  answer_programmable(c, d.spec, keep_open, c->head_request);
  if (!keep_open) return -1;
  life_.set_phase(c, ClientPhase::kIdle, now_ns_);
  http_parser_pause(&c->parser, 1);  // parse() checks the next pipelined head first
  return 0;
}

void HttpServer::answer_programmable(Conn* c, const programmable::TargetSpec& spec, bool keep,
                                     bool head) {
  target_->responses().append(spec, !keep, head, &c->out);
  stats_.add(stats::status_class_counter(spec.status));
  if (!keep) c->close_after = true;
}

void HttpServer::stash_input(Conn* c, const char* data, size_t len) {
  std::string& stash = c->prog->stash;
  stash.append(data, len);
  if (stash.size() > kMaxStashBytes) life_.set_recv_paused(c, true);
}

void HttpServer::release_due(int64_t now_ns) {
  target_->responses().refresh(time(nullptr));
  uint64_t token = 0;
  while (target_->pop_due(now_ns, &token)) {
    Conn* c = conns_.lookup(token);
    if (c != nullptr && c->delayed) release_delayed(c, now_ns);  // else: closed meanwhile
  }
}

void HttpServer::release_delayed(Conn* c, int64_t now_ns) {
  ProgrammableState& s = *c->prog;
  c->delayed = false;
  now_ns_ = now_ns;
  answer_programmable(c, s.pending, s.pending_keep && !draining_, s.pending_head);
  if (c->close_after) {
    if (!s.stash.empty()) c->unread_input = true;
    flush(c);
    close_once_sent(c);
    return;
  }
  life_.set_phase(c, ClientPhase::kIdle, now_ns);
  http_parser_pause(&c->parser, 0);
  c->scanner.reset();  // the stash starts with the next request's head
  if (s.stash.empty()) {
    flush(c);
    return;
  }
  // The stash may fill again while it is parsed (another delay): parse from a copy of it.
  std::string input;
  input.swap(s.stash);
  consume(c, input.data(), input.size(), now_ns);
}

// reset=1 and --reset-rate: SO_LINGER with a zero timeout makes close() send RST and drop
// whatever is unsent, which is the point.
void HttpServer::reset_conn(Conn* c) {
  net::set_linger_reset(c->fd);
  close_conn(c);
}

}  // namespace percore::server
