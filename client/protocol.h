// The protocol a run's workers speak. `client sweep` runs echo steps, so the command a user typed
// (Options::command) and the protocol are not the same thing.
#pragma once

#include <cstdint>

namespace percore::client {

enum class Protocol : uint8_t { kHttp, kEcho };

// "http", "echo": the JSON's "mode".
inline const char* protocol_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::kHttp:
      return "http";
    case Protocol::kEcho:
      return "echo";
  }
  return "?";
}

}  // namespace percore::client
