// Provided-buffer ring registration and recycling (kernel 5.19+, liburing 2.3 API by hand).
#include "core/io/buffer_ring.h"

#include <errno.h>
#include <sys/mman.h>

#include <cstring>

namespace percore::io {
namespace {

size_t round_to_pages(size_t bytes) {
  constexpr size_t kPage = 4096;
  return (bytes + kPage - 1) / kPage * kPage;
}

}  // namespace

BufferRing::~BufferRing() {
  destroy();
}

int BufferRing::init(io_uring* ring, uint16_t group, uint32_t count, uint32_t size) {
  if (count == 0 || count > 32768 || (count & (count - 1)) != 0 || size == 0) return -EINVAL;
  ring_bytes_ = round_to_pages(count * sizeof(io_uring_buf));
  void* mem =
      mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return -errno;
  br_ = static_cast<io_uring_buf_ring*>(mem);
  buffer_bytes_ = round_to_pages(static_cast<size_t>(count) * size);
  mem = mmap(nullptr, buffer_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    int err = -errno;
    munmap(br_, ring_bytes_);
    br_ = nullptr;
    return err;
  }
  buffers_ = static_cast<char*>(mem);
  count_ = count;
  size_ = size;
  group_ = group;

  io_uring_buf_reg reg;
  std::memset(&reg, 0, sizeof(reg));
  reg.ring_addr = reinterpret_cast<uintptr_t>(br_);
  reg.ring_entries = count;
  reg.bgid = group;
  int rc = io_uring_register_buf_ring(ring, &reg, 0);
  if (rc < 0) {
    destroy();
    return rc;
  }
  ring_ = ring;
  entry_bid_.assign(count, 0);
  pos_.assign(count, 0);
  io_uring_buf_ring_init(br_);
  for (uint32_t bid = 0; bid < count; ++bid) add(bid);
  publish();
  return 0;
}

void BufferRing::destroy() {
  if (ring_ != nullptr) io_uring_unregister_buf_ring(ring_, group_);
  ring_ = nullptr;
  if (br_ != nullptr) munmap(br_, ring_bytes_);
  if (buffers_ != nullptr) munmap(buffers_, buffer_bytes_);
  br_ = nullptr;
  buffers_ = nullptr;
  count_ = 0;
  queued_ = 0;
  out_ = 0;
}

void BufferRing::add(uint32_t bid) {
  // Where io_uring_buf_ring_add puts it: the shared tail (not yet advanced) plus those queued.
  uint32_t entry = (static_cast<uint32_t>(br_->tail) + queued_) & (count_ - 1);
  entry_bid_[entry] = static_cast<uint16_t>(bid);
  pos_[bid] = static_cast<uint16_t>(entry);
  io_uring_buf_ring_add(br_, data(bid), size_, static_cast<unsigned short>(bid),
                        io_uring_buf_ring_mask(count_), static_cast<int>(queued_));
  ++queued_;
}

uint32_t BufferRing::publish() {
  uint32_t n = queued_;
  if (n > 0) io_uring_buf_ring_advance(br_, static_cast<int>(n));
  queued_ = 0;
  return n;
}

}  // namespace percore::io
