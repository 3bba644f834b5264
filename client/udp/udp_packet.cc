#include "client/udp/udp_packet.h"

#include <cstring>

namespace percore::client {
namespace {

// The payload word at 8-byte position `word` of datagram `seq`.
uint64_t pattern_word(uint64_t seq, uint32_t word) {
  uint64_t x = (seq + 1) * 0x9E3779B97F4A7C15ull + word;
  return x ^ (x >> 29);
}

void fill(char* p, uint32_t len, uint64_t seq) {
  uint32_t words = len / 8;
  for (uint32_t w = 0; w < words; ++w) {
    uint64_t v = pattern_word(seq, w);
    std::memcpy(p + w * 8, &v, 8);
  }
  uint64_t tail = pattern_word(seq, words);
  std::memcpy(p + words * 8, &tail, len % 8);
}

bool matches(const char* p, uint32_t len, uint64_t seq) {
  uint32_t words = len / 8;
  for (uint32_t w = 0; w < words; ++w) {
    uint64_t v;
    std::memcpy(&v, p + w * 8, 8);
    if (v != pattern_word(seq, w)) return false;
  }
  uint64_t tail = pattern_word(seq, words);
  return std::memcmp(p + words * 8, &tail, len % 8) == 0;
}

}  // namespace

void write_datagram(char* buf, uint32_t len, uint64_t seq, int64_t sent_ns) {
  std::memcpy(buf, &seq, 8);
  std::memcpy(buf + 8, &sent_ns, 8);
  fill(buf + kUdpHeaderBytes, len - kUdpHeaderBytes, seq);
}

DatagramCheck read_datagram(const char* data, uint32_t len, uint32_t expected_len, uint64_t* seq,
                            int64_t* sent_ns) {
  if (len < kUdpHeaderBytes || len != expected_len) return DatagramCheck::kMalformed;
  std::memcpy(seq, data, 8);
  std::memcpy(sent_ns, data + 8, 8);
  if (!matches(data + kUdpHeaderBytes, len - kUdpHeaderBytes, *seq)) return DatagramCheck::kCorrupt;
  return DatagramCheck::kOk;
}

}  // namespace percore::client
