// Completion-based backend on io_uring (kernel 6.0+ for multishot receive; 6.1+ to use
// DEFER_TASKRUN): multishot accept, multishot receive into a provided-buffer ring, sendmsg.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/io/backend.h"
#include "core/io/traffic.h"

namespace percore::io {

struct UringOptions {
  uint32_t buffer_count = 256;  // receive buffers in the ring (a power of two)
  uint32_t buffer_size = 16 << 10;
  unsigned sq_entries = 1024;
  unsigned cq_entries = 16384;
  // Techniques newer kernels offer, each used only where the probe at init() finds it. Turning
  // one off gives the behaviour of a kernel without it (tests run both paths on any kernel);
  // the server and client take theirs from the environment (uring_options_from_env).
  // A stalled reader cannot run the ring dry with them on: a socket lends at most a share of
  // the buffers and all sockets together half of them, a receive takes at most a share at once
  // (recv_limit), and when another socket finds the ring empty anyway, paused sockets' bytes move
  // out of it into their own memory.
  bool lend = true;        // Backend::lend(): echo sends straight out of its receive buffers
  bool bundle = true;      // IORING_RECVSEND_BUNDLE: one receive completion spans buffers (6.10)
  bool link_close = true;  // close_when_sent(): the send and a close linked in one submission
  // IORING_RECV_MSHOT_LIM (6.18): a socket's multishot receive ends after a share of the ring
  // and is armed again once the caller has what it brought, so one socket never holds more.
  bool recv_limit = true;
};

// The ring a kind of traffic gets unless PERCORE_URING_BUFFERS says otherwise: 256 x 16 KiB for
// requests, 128 x 64 KiB for streams.
UringOptions uring_defaults_for(Traffic traffic);

// The server's and client's options: `defaults` with every technique on, less what
// PERCORE_URING_OFF names (PERCORE_URING_ON names some back, for scripts written when lend and
// bundle were opt-in), in the ring shape PERCORE_URING_BUFFERS gives; "" in *error if all parse,
// else the reason.
UringOptions uring_options_from_env(const UringOptions& defaults, std::string* error);
UringOptions uring_options_from_env(std::string* error);

std::unique_ptr<Backend> make_uring_backend(std::string* error);
std::unique_ptr<Backend> make_uring_backend(const UringOptions& options, std::string* error);

// Probes once whether this kernel and process can run the backend; "" if so, else a reason.
std::string probe_uring();

}  // namespace percore::io
