// The datagrams a backend has taken from send_datagrams() and not yet handed to the kernel (or,
// for io_uring, not yet seen completed): fixed slots, each one sendmsg() worth — a single
// datagram, or with GSO a run of equal-sized datagrams to one destination with one tag.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/io/backend.h"

namespace percore::io {

struct SendSlot {
  msghdr msg;
  iovec iov;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint16_t))];
  PeerAddress to;
  bool has_to;
  bool run_closed;   // the last datagram was shorter than the segment: nothing may follow
  uint16_t count;    // datagrams in the slot
  uint32_t segment;  // size of the first datagram (every one but the last, in a GSO run)
  uint32_t used;     // bytes
  uint32_t tag;
  char* bytes;
  int fd;
  uint64_t token;
  int32_t next;  // the free list, or the socket's queue
};

// A FIFO of slot indices threaded through SendSlot::next, one per socket. The last few slots are
// remembered so that datagrams to several destinations interleaved (a fan-out, an echo to many
// clients) still join their destination's run.
struct SlotQueue {
  static constexpr int kRecent = 8;
  int32_t head = -1;
  int32_t tail = -1;
  int32_t recent[kRecent] = {};
  int nrecent = 0;  // valid entries of recent, oldest first
  bool empty() const { return head < 0; }
};

class SendSlots {
 public:
  ~SendSlots();
  // Allocates `count` slots of kMaxUdpPayload bytes each (address space only; the pages are
  // touched as datagrams use them). Returns 0 or -errno. Does nothing when already done.
  int init(uint32_t count);
  bool ready() const { return bytes_ != nullptr; }

  SendSlot& at(int32_t i) { return slots_[static_cast<size_t>(i)]; }
  uint32_t free_count() const { return free_count_; }

  // Adds one datagram to the socket's queue: into the queue's last slot when it extends that
  // slot's GSO run (gso true), else into a fresh slot. Returns false when no slot is free or the
  // datagram is too large.
  bool push(SlotQueue& q, int fd, uint64_t token, const OutDatagram& d, bool gso);
  // Takes the first slot off the queue (-1 when empty) and fills in its msghdr.
  int32_t pop(SlotQueue& q);
  void release(int32_t i);
  void release_all(SlotQueue& q);

 private:
  std::unique_ptr<SendSlot[]> slots_;
  char* bytes_ = nullptr;
  size_t bytes_len_ = 0;
  int32_t free_head_ = -1;
  uint32_t free_count_ = 0;
};

}  // namespace percore::io
