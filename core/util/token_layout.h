// Token layout, a leaf header: the I/O contract (core/io/backend.h) and util::Slab, which makes
// tokens from slot indexes and generations, both read it.
#pragma once

#include <cstdint>

namespace percore::util {

// A token is the 64-bit name protocol code gives a socket; every completion carries it back.
// This is the one description of its bits; the constants below are what the code uses.
//
//   63 ........ 56 | 55       | 54 ........ 32 | 31       | 30 ........ 0
//   backend-owned  | listener | generation     | sub-kind | slot index
//
// - Bits 56-63 belong to the backend (io_uring packs the operation there); tokens handed to a
//   backend must fit in kTokenMask.
// - Bit 55 (kListenerTokenBit) marks a server worker's listening sockets (server/event_loop.h);
//   connection tokens keep it clear.
// - Bits 32-54 are the slot's generation and bits 0-30 its index (util::Slab::token): a
//   completion for a slot that was released, and perhaps reused, since is recognised as stale.
// - Bit 31 (kSubKindTokenBit) is free for a mode with two slabs to tell them apart (the proxy
//   marks its upstream connections with it); slab indexes stay far below 2^31.
// - The client has no listeners and one kind of connection: its slot_token (client/run/load_slot.h)
//   puts the index in bits 0-31 and a 24-bit generation in bits 32-55.
//
// A token must be unique among the sockets registered with one backend. Backends filter stale
// completions by token, so a closed socket's token must not be given to a new socket of the same
// backend right away (the generation takes care of that).
inline constexpr int kTokenBits = 56;
inline constexpr uint64_t kTokenMask = (uint64_t{1} << kTokenBits) - 1;
inline constexpr uint64_t kListenerTokenBit = uint64_t{1} << (kTokenBits - 1);
inline constexpr int kGenerationShift = 32;
inline constexpr int kGenerationBits = kTokenBits - 1 - kGenerationShift;
inline constexpr uint64_t kSubKindTokenBit = uint64_t{1} << 31;

}  // namespace percore::util
