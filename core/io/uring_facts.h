// What this kernel's io_uring offers, feature by feature, for `server doctor`. Each field is ""
// when the feature works here, else a one-line reason. The backend itself only asks the single
// yes/no question of uring_unavailable_reason() (factory.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

struct io_uring;

namespace percore::io {

struct UringFacts {
  std::string ring;              // creating a ring at all (seccomp, sysctl, memlock)
  std::string multishot_accept;  // IORING_ACCEPT_MULTISHOT (5.19)
  std::string multishot_recv;    // IORING_RECV_MULTISHOT with buffer selection (6.0)
  std::string buffer_rings;      // IORING_REGISTER_PBUF_RING (5.19)
  std::string recv_bundles;      // IORING_RECVSEND_BUNDLE (6.10)
  std::string recv_limit;        // IORING_RECV_MSHOT_LIM (6.18)
};

// Creates short-lived rings and sockets on 127.0.0.1 to try each feature for real.
UringFacts probe_uring_facts();

// Whether this kernel ends a multishot receive after a total number of bytes
// (IORING_RECV_MSHOT_LIM, set in sqe->optlen): "" if so, else why not. Runs on `ring` with
// buffers of `group`, and calls give_back(bid) for every buffer the probe's receive took.
std::string probe_recv_limit(io_uring* ring, uint16_t group,
                             const std::function<void(uint32_t)>& give_back);

}  // namespace percore::io
