#include "core/io/datagram_send.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/mman.h>

#include <cstring>

#include "core/io/udp_offload.h"
#include "core/net/udp_offload_opts.h"

namespace percore::io {
namespace {

bool same_peer(const SendSlot& s, const PeerAddress* to) {
  if (to == nullptr) return !s.has_to;
  return s.has_to && s.to.len == to->len && std::memcmp(&s.to.addr, &to->addr, to->len) == 0;
}

// Whether d may join slot s as one more segment of its GSO run.
bool extends_run(const SendSlot& s, const OutDatagram& d) {
  return !s.run_closed && s.count < kMaxGsoSegments && s.tag == d.tag && d.len > 0 &&
         d.len <= s.segment && s.segment <= kMaxGsoSegment && s.used + d.len <= kMaxUdpPayload &&
         same_peer(s, d.to);
}

}  // namespace

SendSlots::~SendSlots() {
  if (bytes_ != nullptr) munmap(bytes_, bytes_len_);
}

int SendSlots::init(uint32_t count) {
  if (bytes_ != nullptr) return 0;
  if (count == 0) return -EINVAL;
  bytes_len_ = static_cast<size_t>(count) * 65536;
  void* mem = mmap(nullptr, bytes_len_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) return -errno;
  bytes_ = static_cast<char*>(mem);
  slots_ = std::make_unique<SendSlot[]>(count);
  for (uint32_t i = 0; i < count; ++i) {
    slots_[i].bytes = bytes_ + static_cast<size_t>(i) * 65536;
    slots_[i].next = i + 1 < count ? static_cast<int32_t>(i + 1) : -1;
  }
  free_head_ = 0;
  free_count_ = count;
  return 0;
}

bool SendSlots::push(SlotQueue& q, int fd, uint64_t token, const OutDatagram& d, bool gso) {
  if (d.len > kMaxUdpPayloadV6) return false;  // cannot exist; the slot holds any real datagram
  if (gso) {
    // The newest slot to the same destination with the same tag is the only one d may join:
    // joining an older one would reorder that destination's datagrams.
    for (int k = q.nrecent - 1; k >= 0; --k) {
      SendSlot& last = at(q.recent[k]);
      if (last.tag != d.tag || !same_peer(last, d.to)) continue;
      if (extends_run(last, d)) {
        std::memcpy(last.bytes + last.used, d.data, d.len);
        last.used += d.len;
        ++last.count;
        if (d.len < last.segment) last.run_closed = true;
        return true;
      }
      break;
    }
  }
  if (free_head_ < 0) return false;
  int32_t i = free_head_;
  SendSlot& s = at(i);
  free_head_ = s.next;
  --free_count_;
  s.has_to = d.to != nullptr;
  if (s.has_to) s.to = *d.to;
  s.run_closed = false;
  s.count = 1;
  s.segment = d.len;
  s.used = d.len;
  s.tag = d.tag;
  s.fd = fd;
  s.token = token;
  s.next = -1;
  if (d.len > 0) std::memcpy(s.bytes, d.data, d.len);
  if (q.tail >= 0) {
    at(q.tail).next = i;
  } else {
    q.head = i;
  }
  q.tail = i;
  if (q.nrecent == SlotQueue::kRecent) {
    for (int k = 1; k < SlotQueue::kRecent; ++k) q.recent[k - 1] = q.recent[k];
    --q.nrecent;
  }
  q.recent[q.nrecent++] = i;
  return true;
}

int32_t SendSlots::pop(SlotQueue& q) {
  int32_t i = q.head;
  if (i < 0) return -1;
  SendSlot& s = at(i);
  q.head = s.next;
  if (q.head < 0) q.tail = -1;
  // A slot on its way to the kernel takes no more datagrams.
  for (int k = 0; k < q.nrecent; ++k) {
    if (q.recent[k] != i) continue;
    for (int j = k + 1; j < q.nrecent; ++j) q.recent[j - 1] = q.recent[j];
    --q.nrecent;
    break;
  }
  s.next = -1;
  s.iov.iov_base = s.bytes;
  s.iov.iov_len = s.used;
  std::memset(&s.msg, 0, sizeof(s.msg));
  s.msg.msg_iov = &s.iov;
  s.msg.msg_iovlen = 1;
  if (s.has_to) {
    s.msg.msg_name = &s.to.addr;
    s.msg.msg_namelen = s.to.len;
  }
  if (s.count > 1) {
    s.msg.msg_control = s.control;
    s.msg.msg_controllen = sizeof(s.control);
    cmsghdr* c = CMSG_FIRSTHDR(&s.msg);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t seg = static_cast<uint16_t>(s.segment);
    std::memcpy(CMSG_DATA(c), &seg, sizeof(seg));
  }
  return i;
}

void SendSlots::release(int32_t i) {
  SendSlot& s = at(i);
  s.next = free_head_;
  free_head_ = i;
  ++free_count_;
}

void SendSlots::release_all(SlotQueue& q) {
  while (q.head >= 0) {
    int32_t i = q.head;
    q.head = at(i).next;
    release(i);
  }
  q.tail = -1;
  q.nrecent = 0;
}

}  // namespace percore::io
