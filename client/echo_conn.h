// One `client echo` connection: its socket and token generation, how far its byte stream has
// been sent and verified, and the FIFO of its messages' send times (a window into a slab sized
// for the most messages --pattern and --window allow in flight).
#pragma once

#include <sys/uio.h>

#include <cstdint>

#include "client/connection.h"
#include "client/load_worker.h"
#include "core/util/deadline_list.h"

namespace percore::client {

// The DeadlineLink base lets the timeout and backoff lists hand back the EchoConn itself.
struct EchoConn : util::DeadlineLink {
  uint32_t index = 0;
  uint32_t generation = 0;
  uint32_t seed = 0;  // where in the pattern this connection's stream starts
  int fd = -1;
  ConnState state = ConnState::kIdle;  // never kDraining: echo has no close handshake
  bool sending = false;
  bool corrupt = false;        // the message being received has a byte that differs
  uint64_t sent_bytes = 0;     // stream offset handed to the backend
  uint64_t recv_bytes = 0;     // stream offset received and verified
  uint32_t msg_received = 0;   // bytes of the oldest message in flight received so far
  int64_t* sent_at = nullptr;  // ring of send times, one per message in flight
  uint32_t capacity = 0;
  uint32_t head = 0;
  uint32_t in_flight = 0;
  iovec iov{};

  uint64_t token() const { return slot_token(index, generation); }
  bool matches(uint64_t token) const { return fd >= 0 && token == this->token(); }
  void push(int64_t sent_ns) {
    sent_at[(head + in_flight) % capacity] = sent_ns;
    ++in_flight;
  }
  int64_t pop() {
    int64_t t = sent_at[head];
    head = (head + 1) % capacity;
    --in_flight;
    return t;
  }
  int64_t at(uint32_t i) const { return sent_at[(head + i) % capacity]; }
};

}  // namespace percore::client
