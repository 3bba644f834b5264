// Completion-based backend on io_uring (kernel 6.0+ for multishot receive; 6.1+ to use
// DEFER_TASKRUN): multishot accept, multishot receive into a provided-buffer ring, sendmsg.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/io/backend.h"

namespace percore::io {

struct UringOptions {
  uint32_t buffer_count = 256;  // receive buffers in the ring (a power of two)
  uint32_t buffer_size = 16 << 10;
  unsigned sq_entries = 1024;
  unsigned cq_entries = 16384;
};

std::unique_ptr<Backend> make_uring_backend(std::string* error);
std::unique_ptr<Backend> make_uring_backend(const UringOptions& options, std::string* error);

// Probes once whether this kernel and process can run the backend; "" if so, else a reason.
std::string probe_uring();

}  // namespace percore::io
