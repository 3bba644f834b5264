// The life of a client connection as both HTTP server modes (plain HTTP, proxy) live it:
// accepting and opening the socket, back-pressure on receiving, sending what is queued, the
// I/O errors worth counting, the three client timeouts (headers, idle, linger), and the ways a
// connection ends (close, close once the answer is out, half-close and linger). A mode's
// connection type derives from ClientSocket; the mode keeps its slab and its protocol state.
#pragma once

#include <cstdint>

#include "core/io/backend.h"
#include "core/io/send_queue.h"
#include "core/stats/worker_slots.h"
#include "core/util/deadline_list.h"
#include "core/util/slab.h"
#include "server/options.h"

namespace percore::server {

// Where a client connection is in its life; the phase chooses which client timer runs.
enum class ClientPhase : uint8_t {
  kWaiting,    // accepted, nothing of a request yet: the idle timeout
  kHeaders,    // a request head is arriving: the header timeout, fixed at its first byte
  kBody,       // a request body is arriving: the header timeout, between reads
  kIdle,       // kept alive, waiting for the next request: the idle timeout
  kLinger,     // half-closed after the last answer: the linger timeout
  kModeTimer,  // no client timeout: the mode's own covers it (upstream exchange, delayed answer)
};

struct ClientSocket : util::SlabEntry, util::DeadlineLink {
  int fd = -1;  // -1 once closed, or when the backend refused it
  io::SendQueue out;
  ClientPhase phase = ClientPhase::kWaiting;
  bool close_after = false;   // the last queued answer ends the connection
  bool unread_input = false;  // the client may still be sending: close gently (linger)
  bool peer_closed = false;
  bool recv_paused = false;
  // Closed by close_when_sent() with the answer still going out: the kernel may read `out` until
  // the backend's kClosed, so the slot is neither reused nor its queue touched before then.
  bool closing = false;
};

// Pauses or resumes receiving on a socket for back-pressure, calling the backend only when the
// state changes; *paused mirrors what the backend was told.
inline void set_recv_paused(io::Backend& backend, int fd, bool* paused, bool pause) {
  if (pause == *paused) return;
  *paused = pause;
  if (pause) {
    backend.pause_recv(fd);
  } else {
    backend.resume_recv(fd);
  }
}

class ClientLifecycle {
 public:
  ClientLifecycle(io::Backend& backend, stats::WorkerSlot& stats, const ServerOptions& options);

  // A connection was accepted onto `c`: resets the shared state, counts it and starts its idle
  // timeout (kWaiting).
  void accept(ClientSocket* c, int fd, int64_t now_ns);
  // Hands the socket to the backend under `token`. False when the backend refused it: the fd
  // is closed already (it was never the backend's) and the mode ends the connection with its
  // usual close path, which then skips the backend.
  bool open(ClientSocket* c, uint64_t token);

  void set_recv_paused(ClientSocket* c, bool pause) {
    server::set_recv_paused(backend_, c->fd, &c->recv_paused, pause);
  }
  // A kRecv with result <= 0: the peer is gone; a reset is normal, anything else an I/O error.
  void on_recv_end(ClientSocket* c, int result);
  // A kRecv with `len` > 0 bytes: counts them and says whether the mode is to read them. After
  // the final request (or while lingering) they are only noted, for a gentle close, and dropped.
  bool take_input(ClientSocket* c, size_t len);
  // A kSend completion: false (and counted, unless the peer just went away) when it failed, and
  // the mode closes the connection.
  bool on_sent(ClientSocket* c, int result);
  // Sends what is queued when nothing is in flight (SendQueue::flush). A negative result is the
  // backend's error, already counted; the queue is ready for the mode to close or retry.
  int flush(ClientSocket* c);

  // Enters `phase` and (re)arms the client timer it calls for, from now_ns.
  void set_phase(ClientSocket* c, ClientPhase phase, int64_t now_ns);
  // Between requests: nothing of one has arrived since the last answer.
  static bool between_requests(const ClientSocket* c) {
    return c->phase == ClientPhase::kWaiting || c->phase == ClientPhase::kIdle;
  }

  // Every answer is out and the connection is to end. A client that may still be sending gets a
  // half-close and a linger (receiving resumed, linger timer armed), so unread input does not
  // turn the close into a reset that could destroy the answer before the client reads it.
  // True: half-closed, receiving again and in kLinger; false: the mode closes the connection now.
  bool start_linger(ClientSocket* c, int64_t now_ns);
  // The final answer is in flight: the backend closes the socket once it is out, so the server
  // closes first. False: the mode releases the connection now. True: the answer may still be
  // read from `out` (c->closing is set); the mode releases the connection on the backend's
  // kClosed for it, and ignores every other completion meanwhile.
  bool close_when_sent(ClientSocket* c);
  // Closes the socket (unless the backend never took it) and counts the close. The mode
  // releases the connection afterwards.
  void close(ClientSocket* c);

  // A client timer ran out on `c`: counts the timeout (a linger running out is none) and says
  // whether a request had started with nothing yet queued for the client. Then the mode answers
  // 408 before closing, and lingers (kLinger) if the connection is still open; otherwise, or
  // when the mode's own state rules the 408 out, it closes the connection.
  bool expired_in_request(ClientSocket* c);

  // On a graceful stop an idle connection is not closed at once: a keep-alive client may have
  // sent its next request the moment the last answer arrived, and a connection accepted just
  // before may not have sent its first yet. Closing would reset that request; the connection
  // gets this short grace instead, and a request in it is answered with Connection: close.
  util::DeadlineList& drain_grace_timers() { return drain_grace_timers_; }
  // begin_drain() on a connection the mode finds idle: with nothing queued for the client, it
  // gets the drain grace.
  void drain_if_quiet(ClientSocket* c, int64_t now_ns);
  int64_t next_deadline() const;
  // Hands every connection whose header, idle, linger or drain-grace time ran out to `expire`.
  template <class Conn, class F>
  void expire_timers(int64_t now_ns, F&& expire) {
    for (util::DeadlineList* list :
         {&header_timers_, &idle_timers_, &linger_timers_, &drain_grace_timers_}) {
      while (util::DeadlineLink* link = list->pop_expired(now_ns)) {
        expire(static_cast<Conn*>(static_cast<ClientSocket*>(link)));
      }
    }
  }

 private:
  void forget(ClientSocket* c);

  io::Backend& backend_;
  stats::WorkerSlot& stats_;
  util::DeadlineList header_timers_;
  util::DeadlineList idle_timers_;
  util::DeadlineList linger_timers_;
  util::DeadlineList drain_grace_timers_;
};

}  // namespace percore::server
