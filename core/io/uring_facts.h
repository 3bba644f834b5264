// What this kernel's io_uring offers, feature by feature, for `server doctor`. Each field is ""
// when the feature works here, else a one-line reason. The backend itself only asks the single
// yes/no question of uring_unavailable_reason() (factory.h).
#pragma once

#include <string>

namespace percore::io {

struct UringFacts {
  std::string ring;              // creating a ring at all (seccomp, sysctl, memlock)
  std::string multishot_accept;  // IORING_ACCEPT_MULTISHOT (5.19)
  std::string multishot_recv;    // IORING_RECV_MULTISHOT with buffer selection (6.0)
  std::string buffer_rings;      // IORING_REGISTER_PBUF_RING (5.19)
};

// Creates short-lived rings and sockets on 127.0.0.1 to try each feature for real.
UringFacts probe_uring_facts();

}  // namespace percore::io
