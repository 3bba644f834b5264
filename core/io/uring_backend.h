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
  // Techniques newer kernels offer, each used only where the probe at init() finds it. Turning
  // one off gives the behaviour of a kernel without it (tests run both paths on any kernel).
  // The server and client take theirs from the environment (uring_options_from_env): lend and
  // bundle are opt-in there (PERCORE_URING_ON=lend,bundle), because with them a worker whose
  // readers all stall can run its ring dry and starve its other connections (the SlowReader
  // e2e test shows it); PERCORE_URING_OFF=link-close turns the linked close off.
  bool lend = true;        // Backend::lend(): echo sends straight out of its receive buffers
  bool bundle = true;      // IORING_RECVSEND_BUNDLE: one receive completion spans buffers (6.10)
  bool link_close = true;  // close_when_sent(): the send and a close linked in one submission
};

// The server's and client's options: lend and bundle only when PERCORE_URING_ON names them, and
// without what PERCORE_URING_OFF names; "" in *error if both parse, else the reason.
UringOptions uring_options_from_env(std::string* error);

std::unique_ptr<Backend> make_uring_backend(std::string* error);
std::unique_ptr<Backend> make_uring_backend(const UringOptions& options, std::string* error);

// Probes once whether this kernel and process can run the backend; "" if so, else a reason.
std::string probe_uring();

}  // namespace percore::io
