// Why a TLS connection failed, as a small enum: workers count failures per cause without
// allocating, and metrics and JSON use the stable short names.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace percore::tls {

enum class Failure : uint8_t {
  kNone,
  kPlainHttp,         // plain HTTP (or anything not TLS) sent to a TLS port
  kBadRecord,         // a truncated or garbage record, a record that fails to decrypt
  kPeerClosed,        // the peer closed the connection in the middle of the handshake
  kNoCommonCipher,    // no cipher, group or protocol version both sides accept
  kRenegotiation,     // the peer asked to renegotiate (always refused)
  kHandshakeTimeout,  // the caller's handshake deadline passed (the engine keeps no clock)
  kVerifyFailed,      // client side: the server's certificate did not verify
  kOther,             // anything else: failure_detail() has OpenSSL's reason
};

inline constexpr size_t kFailureCount = static_cast<size_t>(Failure::kOther) + 1;

// Stable short names ("plain_http", "bad_record" ...) for metrics and JSON.
const char* failure_name(Failure f);

// Per-cause counters of one worker.
struct FailureCounts {
  std::array<uint64_t, kFailureCount> by_cause{};
  void add(Failure f) { ++by_cause[static_cast<size_t>(f)]; }
  uint64_t operator[](Failure f) const { return by_cause[static_cast<size_t>(f)]; }
};

}  // namespace percore::tls
