// What every client connection slot has, whatever its protocol: the socket and token
// generation, where it is in the connect lifecycle, and the FIFO of requests in flight (a window
// into a slab the worker sizes once). Protocol slots (HttpConn, EchoConn) derive from it and add
// their own state; LoadWorker drives the part here.
#pragma once

#include "core/net/sys.h"

#include <cstdint>

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

// The backend token of connection slot `index`: the generation tells a completion for the slot's
// previous socket from one for its current socket.
inline uint64_t slot_token(uint32_t index, uint32_t generation) {
  return ((uint64_t{generation} & 0xffffff) << 32 | index) & io::kTokenMask;
}

// The DeadlineLink base lets the timeout and backoff lists hand back the slot itself.
struct Slot : util::DeadlineLink {
  uint32_t index = 0;
  uint32_t generation = 0;
  int fd = -1;
  ConnState state = ConnState::kIdle;
  bool sending = false;
  bool in_ready = false;  // on the worker's ready stack (--rate)
  bool initial = true;    // the first connect has not finished yet
  uint32_t in_flight = 0;
  uint32_t head = 0;
  uint32_t capacity = 0;
  InFlight* ring = nullptr;
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

}  // namespace percore::client
