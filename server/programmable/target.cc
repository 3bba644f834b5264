#include "server/programmable/target.h"

#include <algorithm>
#include <functional>

namespace percore::server::programmable {

Target::Target(const TargetOptions& options, std::string_view default_body, uint64_t seed,
               stats::WorkerSlot& stats)
    : options_(options),
      default_size_(static_cast<int64_t>(default_body.size())),
      responses_(default_body),
      dice_(seed),
      stats_(stats) {
  heap_.reserve(1024);
}

Decision Target::decide(const RequestTarget& target) {
  Decision d;
  d.spec = options_.defaults;
  if (target.overflow) {
    std::snprintf(d.error.text, sizeof(d.error.text), "request target longer than %zu bytes",
                  RequestTarget::kMaxBytes);
    d.action = Action::kBadRequest;
    return d;
  }
  if (!apply_query(target.view(), &d.spec, &d.error) ||
      !check_spec(d.spec, default_size_, &d.error)) {
    d.action = Action::kBadRequest;
    return d;
  }
  const FaultOptions& f = options_.faults;
  if (d.spec.reset || dice_.roll(f.reset_rate)) {
    if (!d.spec.reset) stats_.add(stats::kInjectedResets);
    d.action = Action::kReset;
    return d;
  }
  if (d.spec.drop) {
    stats_.add(stats::kDroppedRequests);
    d.action = Action::kDrop;
    return d;
  }
  if (dice_.roll(f.fail_rate)) {
    d.spec.status = f.fail_status;
    stats_.add(stats::kInjectedFailures);
  }
  if (!d.spec.delay_given) d.spec.delay_ns = dice_.delay(f.delay_dist, d.spec.delay_ns);
  if (d.spec.delay_ns > 0) {
    stats_.add(stats::kDelayedRequests);
    d.action = Action::kDelay;
  }
  return d;
}

void Target::schedule(uint64_t token, int64_t due_ns) {
  heap_.emplace_back(due_ns, token);
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

bool Target::pop_due(int64_t now_ns, uint64_t* token) {
  if (heap_.empty() || heap_.front().first > now_ns) return false;
  std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
  *token = heap_.back().second;
  heap_.pop_back();
  return true;
}

}  // namespace percore::server::programmable
