// The datagrams of `client udp`: seed 000's 16-byte header (sequence number, send time in ns)
// followed by a payload every byte of which follows from the sequence number, so the receiver
// verifies content without keeping copies. The top 16 bits of the sequence number name the
// sending socket (its stream), so a sink behind a relay still tells the senders apart.
#pragma once

#include <cstdint>

namespace percore::client {

inline constexpr uint32_t kUdpHeaderBytes = 16;
inline constexpr uint32_t kUdpMaxDatagram = 65507;
inline constexpr int kStreamShift = 48;
// The stream of the pre-run probe (client/udp/udp_preflight.h), never a sending socket's.
inline constexpr uint32_t kProbeStream = 0xFFFF;
inline constexpr uint64_t kCounterMask = (uint64_t{1} << kStreamShift) - 1;

inline uint64_t make_seq(uint32_t stream, uint64_t counter) {
  return (uint64_t{stream} << kStreamShift) | (counter & kCounterMask);
}
inline uint32_t seq_stream(uint64_t seq) {
  return static_cast<uint32_t>(seq >> kStreamShift);
}
inline uint64_t seq_counter(uint64_t seq) {
  return seq & kCounterMask;
}

// Writes header and payload into buf[0, len); len >= kUdpHeaderBytes.
void write_datagram(char* buf, uint32_t len, uint64_t seq, int64_t sent_ns);

enum class DatagramCheck { kOk, kMalformed, kCorrupt };

// Reads a datagram that should be `expected_len` bytes with the header: kMalformed when shorter
// than the header (or not the expected size), kCorrupt when the payload differs from what that
// sequence number's datagram carried.
DatagramCheck read_datagram(const char* data, uint32_t len, uint32_t expected_len, uint64_t* seq,
                            int64_t* sent_ns);

}  // namespace percore::client
