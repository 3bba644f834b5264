// The per-worker brain of the programmable target: turns a request's target ("/?status=503")
// plus the command-line defaults and the random faults into what to do, and keeps the delayed
// answers in deadline order. HttpServer owns one when --programmable is on and asks it once per
// request; nothing here allocates per request.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "core/stats/worker_slots.h"
#include "server/programmable/faults.h"
#include "server/programmable/target_options.h"
#include "server/programmable/target_responses.h"
#include "server/programmable/target_spec.h"

namespace percore::server::programmable {

// The request target as the parser hands it over, in pieces, kept per connection.
struct RequestTarget {
  static constexpr size_t kMaxBytes = 2048;
  char bytes[kMaxBytes];
  uint16_t len = 0;
  bool overflow = false;
  void reset() {
    len = 0;
    overflow = false;
  }
  void append(const char* at, size_t n) {
    if (n > kMaxBytes - len) {
      overflow = true;
      n = kMaxBytes - len;
    }
    std::copy(at, at + n, bytes + len);
    len = static_cast<uint16_t>(len + n);
  }
  std::string_view view() const { return {bytes, len}; }
};

enum class Action : uint8_t {
  kAnswer,      // queue the answer now
  kDelay,       // queue it at spec.delay_ns from now
  kReset,       // abort the connection with a reset (SO_LINGER 0)
  kDrop,        // read the request and never answer
  kBadRequest,  // 400 with error.text as the body, then close
};

struct Decision {
  Action action = Action::kAnswer;
  TargetSpec spec;
  SpecError error;
};

class Target {
 public:
  Target(const TargetOptions& options, std::string_view default_body, uint64_t seed,
         stats::WorkerSlot& stats);

  // Counts the faults it injects (injected_failures, injected_resets, dropped and delayed
  // requests) in the worker's statistics.
  Decision decide(const RequestTarget& target);

  TargetResponses& responses() { return responses_; }

  // Delayed answers, by connection token.
  void schedule(uint64_t token, int64_t due_ns);
  int64_t next_due_ns() const { return heap_.empty() ? INT64_MAX : heap_.front().first; }
  // The token of one answer due by now (false when none is): the caller checks it is not stale.
  bool pop_due(int64_t now_ns, uint64_t* token);

 private:
  const TargetOptions& options_;
  int64_t default_size_;
  TargetResponses responses_;
  FaultDice dice_;
  stats::WorkerSlot& stats_;
  std::vector<std::pair<int64_t, uint64_t>> heap_;  // min-heap on the due time
};

}  // namespace percore::server::programmable
