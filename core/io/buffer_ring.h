// A provided-buffer ring for io_uring multishot receive: a group of equal buffers the kernel picks
// from. Needs kernel 5.19 (IORING_REGISTER_PBUF_RING); liburing 2.3 lacks io_uring_setup_buf_ring,
// so registration is done here by hand.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace percore::io {

class BufferRing {
 public:
  BufferRing() = default;
  ~BufferRing();
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;

  // Registers `count` (a power of two, at most 32768) buffers of `size` bytes as group `group` and
  // hands all of them to the kernel. Returns 0 or -errno.
  int init(io_uring* ring, uint16_t group, uint32_t count, uint32_t size);
  // Unregisters the group (the ring must outlive this call) and frees the memory.
  void destroy();

  uint16_t group() const { return group_; }
  uint32_t count() const { return count_; }
  uint32_t buffer_size() const { return size_; }
  bool owns(uint32_t bid) const { return bid < count_; }
  char* data(uint32_t bid) const { return buffers_ + static_cast<size_t>(bid) * size_; }

  // A completion handed this buffer out of the ring.
  void taken() { ++out_; }
  // Buffers known to be out of the ring: taken and not yet given back.
  uint32_t out() const { return out_; }
  // Queues a taken buffer for return; publish() makes queued ones visible.
  void give_back(uint32_t bid) {
    add(bid);
    --out_;
  }
  // Returns how many buffers were published.
  uint32_t publish();

  // The buffer the kernel took `i` places after `first` in one receive bundle
  // (IORING_RECVSEND_BUNDLE): a bundle takes consecutive ring entries, and the completion names
  // only the first one's buffer.
  uint32_t bundle_member(uint32_t first, uint32_t i) const {
    return entry_bid_[(pos_[first] + i) & (count_ - 1)];
  }
  // Which buffer holds `p` (a pointer into one of them), or count() when none does.
  uint32_t holder(const char* p) const {
    if (p < buffers_ || p >= buffers_ + static_cast<size_t>(count_) * size_) return count_;
    return static_cast<uint32_t>(static_cast<size_t>(p - buffers_) / size_);
  }

 private:
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  char* buffers_ = nullptr;
  size_t ring_bytes_ = 0;
  size_t buffer_bytes_ = 0;
  uint32_t count_ = 0;
  uint32_t size_ = 0;
  void add(uint32_t bid);

  // Ring entry -> buffer in it, and buffer -> the entry it was last put in (bundle_member()).
  std::vector<uint16_t> entry_bid_;
  std::vector<uint16_t> pos_;
  uint32_t queued_ = 0;
  uint32_t out_ = 0;
  uint16_t group_ = 0;
};

}  // namespace percore::io
