// Outgoing bytes of one connection, double-buffered to fit the one-send-in-flight rule of the
// I/O contract: one batch is in flight (the backend reads it until kSend), the next one fills.
// Buffers keep their capacity, so a connection in steady state sends without allocating.
#pragma once

#include "core/net/sys.h"

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/io/backend.h"

namespace percore::io {

class SendQueue {
 public:
  // Copies bytes into the filling batch.
  void append_copy(std::string_view bytes);
  // References bytes that stay valid and unchanged until the batch's send completes (a shared,
  // immutable response body, for instance): large bodies are never copied.
  void append_ref(std::string_view bytes);

  // References bytes of a receive buffer the backend lent (Backend::lend): like append_ref, and
  // the buffer goes back to `lender` once the batch's send completes or the queue is cleared.
  void append_lent(std::string_view bytes);

  size_t pending_bytes() const { return fill_->total; }
  bool has_pending() const { return fill_->total > 0; }
  bool in_flight() const { return in_flight_; }
  size_t in_flight_bytes() const { return in_flight_ ? flight_->total : 0; }

  // Moves the filling batch into flight and returns its iovecs for Backend::send. Call only
  // when !in_flight() and has_pending().
  iovec* start_send(int* iovcnt);
  // Hands the filling batch to the backend when nothing is in flight; returns the backend's
  // result (0 also when there was nothing to do).
  int flush(Backend& backend, int fd);
  // The in-flight batch completed (or failed): its buffers become the next filling batch, and
  // the receive buffers it referenced go back to `lender` (which must be given when any were).
  void finish_send(Backend* lender = nullptr);
  // Forgets everything, keeping capacity; lent receive buffers go back to `lender`.
  void clear(Backend* lender = nullptr);

 private:
  struct Segment {
    const char* ref;  // nullptr: bytes [offset, offset+len) of the batch's own buffer
    size_t offset;
    size_t len;
  };
  struct Batch {
    std::vector<char> bytes;
    std::vector<Segment> segments;
    std::vector<iovec> iov;
    std::vector<const char*> lent;  // receive buffers to give back after the send
    size_t total = 0;
    void reset(Backend* lender) {
      if (lender != nullptr) {
        for (const char* p : lent) lender->lend_end(p);
      }
      lent.clear();
      bytes.clear();
      segments.clear();
      iov.clear();
      total = 0;
    }
  };
  Batch a_, b_;
  Batch* fill_ = &a_;
  Batch* flight_ = &b_;
  bool in_flight_ = false;
};

}  // namespace percore::io
