#include "core/io/send_queue.h"

#include <utility>

namespace percore::io {

void SendQueue::append_copy(std::string_view bytes) {
  if (bytes.empty()) return;
  Batch& b = *fill_;
  size_t offset = b.bytes.size();
  b.bytes.insert(b.bytes.end(), bytes.begin(), bytes.end());
  b.total += bytes.size();
  if (!b.segments.empty() && b.segments.back().ref == nullptr) {
    b.segments.back().len += bytes.size();  // adjacent copies form one iovec
  } else {
    b.segments.push_back(Segment{nullptr, offset, bytes.size()});
  }
}

void SendQueue::append_ref(std::string_view bytes) {
  if (bytes.empty()) return;
  fill_->segments.push_back(Segment{bytes.data(), 0, bytes.size()});
  fill_->total += bytes.size();
}

void SendQueue::append_lent(std::string_view bytes) {
  fill_->lent.push_back(bytes.data());
  append_ref(bytes);
}

iovec* SendQueue::start_send(int* iovcnt) {
  std::swap(fill_, flight_);
  in_flight_ = true;
  Batch& b = *flight_;
  b.iov.clear();
  for (const Segment& s : b.segments) {
    const char* base = s.ref != nullptr ? s.ref : b.bytes.data() + s.offset;
    b.iov.push_back(iovec{const_cast<char*>(base), s.len});
  }
  *iovcnt = static_cast<int>(b.iov.size());
  return b.iov.data();
}

int SendQueue::flush(Backend& backend, int fd) {
  if (in_flight_ || !has_pending()) return 0;
  int iovcnt = 0;
  iovec* iov = start_send(&iovcnt);
  return backend.send(fd, iov, iovcnt);
}

void SendQueue::finish_send(Backend* lender) {
  flight_->reset(lender);
  in_flight_ = false;
}

void SendQueue::clear(Backend* lender) {
  a_.reset(lender);
  b_.reset(lender);
  in_flight_ = false;
}

}  // namespace percore::io
