// A provided-buffer ring for io_uring multishot receive: a group of equal buffers the kernel picks
// from. Needs kernel 5.19 (IORING_REGISTER_PBUF_RING); liburing 2.3 lacks io_uring_setup_buf_ring,
// so registration is done here by hand.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

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

 private:
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  char* buffers_ = nullptr;
  size_t ring_bytes_ = 0;
  size_t buffer_bytes_ = 0;
  uint32_t count_ = 0;
  uint32_t size_ = 0;
  void add(uint32_t bid);

  uint32_t queued_ = 0;
  uint32_t out_ = 0;
  uint16_t group_ = 0;
};

}  // namespace percore::io
