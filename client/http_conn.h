// One client connection's state: its socket and token generation, the FIFO of requests in flight
// (a window into a slab pre-sized for --pipeline), and its http-parser for the responses.
#pragma once

#include <http_parser.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "client/load_worker.h"
#include "core/io/backend.h"
#include "core/util/deadline_list.h"

namespace percore::client {

struct InFlight {
  int64_t intended_ns;  // when the schedule wanted it sent (== sent_ns without --rate)
  int64_t sent_ns;
};

enum class ConnState : uint8_t {
  kIdle,        // no socket
  kBackoff,     // no socket; a connect failed and the retry waits on the backoff list
  kConnecting,  // connect in flight, on the timeout list
  kOpen,        // connected; on the timeout list while requests are in flight
  kDraining,    // the last response is read, waiting for the server's FIN (so TIME_WAIT is theirs)
};

struct Conn;

// Receives every complete response, in order, from inside the parser.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void on_response(Conn& conn, int status, bool keep_alive) = 0;
};

// The DeadlineLink base lets the timeout and backoff lists hand back the Conn itself.
struct Conn : util::DeadlineLink {
  uint32_t index = 0;
  uint32_t generation = 0;
  int fd = -1;
  ConnState state = ConnState::kIdle;
  bool sending = false;
  bool server_closing = false;  // a response said Connection: close
  bool unexpected = false;      // a response arrived with nothing in flight
  bool in_ready = false;        // on the worker's ready stack (--rate)
  bool initial = true;          // the first connect has not finished yet
  uint32_t in_flight = 0;
  uint32_t head = 0;
  uint32_t capacity = 0;
  InFlight* ring = nullptr;
  uint64_t sent_on_conn = 0;
  bool head_method = false;
  ResponseSink* sink = nullptr;
  http_parser parser{};
  iovec iov{};

  uint64_t token() const { return slot_token(index, generation); }
  bool matches(uint64_t token) const { return fd >= 0 && token == this->token(); }
  void push(const InFlight& f) {
    ring[(head + in_flight) % capacity] = f;
    ++in_flight;
  }
  InFlight pop() {
    InFlight f = ring[head];
    head = (head + 1) % capacity;
    --in_flight;
    return f;
  }
  const InFlight& at(uint32_t i) const { return ring[(head + i) % capacity]; }
};

enum class FeedResult { kOk, kError };

// Prepares the parser for a new connection.
void reset_parser(Conn& conn);
// Parses received bytes, calling conn.sink->on_response for each complete response. Stops early
// (still kOk) once a response announces Connection: close. kError: malformed or unasked-for data.
FeedResult feed_response(Conn& conn, const char* data, size_t len);
// Tells the parser the server closed: completes a read-until-close body.
FeedResult feed_eof(Conn& conn);

}  // namespace percore::client
