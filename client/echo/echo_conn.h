// One `client echo` connection: the generic slot (socket, generation, messages in flight, in a
// window of the slab sized for the most messages --pattern and --window allow) plus how far its
// byte stream has been sent and verified.
#pragma once

#include <cstdint>

#include "client/run/load_slot.h"

namespace percore::client {

// Never kDraining: echo has no close handshake.
struct EchoConn : Slot {
  uint32_t seed = 0;          // where in the pattern this connection's stream starts
  bool corrupt = false;       // the message being received has a byte that differs
  uint64_t sent_bytes = 0;    // stream offset handed to the backend
  uint64_t recv_bytes = 0;    // stream offset received and verified
  uint32_t msg_received = 0;  // bytes of the oldest message in flight received so far
};

}  // namespace percore::client
