// Timeouts of one fixed duration (idle, header, backend) as an intrusive list: because every
// entry waits equally long, appending keeps the list sorted by deadline, so arming, re-arming
// and cancelling are O(1) and expiry only ever looks at the head.
#pragma once

#include <cstdint>

namespace percore::util {

struct DeadlineLink {
  DeadlineLink* prev = nullptr;
  DeadlineLink* next = nullptr;
  int64_t deadline_ns = 0;
  bool linked() const { return prev != nullptr; }
};

class DeadlineList {
 public:
  explicit DeadlineList(int64_t duration_ns = 0) : duration_ns_(duration_ns) {
    head_.prev = head_.next = &head_;
  }
  DeadlineList(const DeadlineList&) = delete;
  DeadlineList& operator=(const DeadlineList&) = delete;

  void set_duration(int64_t duration_ns) { duration_ns_ = duration_ns; }
  int64_t duration_ns() const { return duration_ns_; }
  bool empty() const { return head_.next == &head_; }

  // (Re)arms the entry to expire duration_ns after now.
  void arm(DeadlineLink* link, int64_t now_ns) {
    cancel(link);
    link->deadline_ns = now_ns + duration_ns_;
    link->prev = head_.prev;
    link->next = &head_;
    head_.prev->next = link;
    head_.prev = link;
  }

  static void cancel(DeadlineLink* link) {
    if (!link->linked()) return;
    link->prev->next = link->next;
    link->next->prev = link->prev;
    link->prev = link->next = nullptr;
  }

  // The earliest deadline, or INT64_MAX when nothing is armed.
  int64_t next_deadline() const { return empty() ? INT64_MAX : head_.next->deadline_ns; }

  // Unlinks and returns one expired entry, or nullptr when none has expired by now.
  DeadlineLink* pop_expired(int64_t now_ns) {
    if (empty() || head_.next->deadline_ns > now_ns) return nullptr;
    DeadlineLink* link = head_.next;
    cancel(link);
    return link;
  }

 private:
  DeadlineLink head_;
  int64_t duration_ns_;
};

}  // namespace percore::util
