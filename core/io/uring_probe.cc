// Start-up probe for the io_uring backend: can this process create a ring (seccomp, the
// kernel.io_uring_disabled sysctl, memlock) and does the kernel have what the backend uses (6.0+)?
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "core/io/buffer_ring.h"
#include "core/io/uring_backend.h"
#include "core/io/uring_facts.h"

// Receive bundles: kernel 6.10 (liburing 2.3's headers predate them).
#ifndef IORING_FEAT_RECVSEND_BUNDLE
#define IORING_FEAT_RECVSEND_BUNDLE (1U << 14)
#endif

namespace percore::io {
namespace {

std::string errno_text(int err) {
  return std::string(strerror(err));
}

std::string check_opcodes(io_uring* ring) {
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (probe == nullptr) return "io_uring opcode probe failed (kernel older than 5.6)";
  struct Need {
    int op;
    const char* name;
  };
  const Need kNeeds[] = {{IORING_OP_ACCEPT, "ACCEPT"},
                         {IORING_OP_RECV, "RECV"},
                         {IORING_OP_SEND, "SEND"},
                         {IORING_OP_SENDMSG, "SENDMSG"},
                         {IORING_OP_CONNECT, "CONNECT"},
                         {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
                         {IORING_OP_PROVIDE_BUFFERS, "PROVIDE_BUFFERS"}};
  std::string missing;
  for (const Need& n : kNeeds) {
    if (!io_uring_opcode_supported(probe, n.op)) missing += std::string(" ") + n.name;
  }
  io_uring_free_probe(probe);
  if (!missing.empty()) return "kernel lacks io_uring opcodes:" + missing;
  return "";
}

// Multishot receive into a provided-buffer ring (6.0) is the newest feature the backend needs;
// multishot accept (5.19) and cancel by fd (5.19) come with it.
std::string check_multishot_recv(io_uring* ring) {
  BufferRing bufs;
  int rc = bufs.init(ring, 0, 8, 64);
  if (rc == -EINVAL) return "kernel lacks provided-buffer rings (needs 5.19+)";
  if (rc == -ENOMEM || rc == -EPERM) {
    return "cannot pin the io_uring buffer ring: RLIMIT_MEMLOCK too low (ulimit -l)";
  }
  if (rc < 0) return "io_uring buffer ring registration failed: " + errno_text(-rc);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
    return "socketpair: " + errno_text(errno);
  }
  io_uring_sqe* sqe = io_uring_get_sqe(ring);
  io_uring_prep_recv_multishot(sqe, sv[0], nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 0;
  io_uring_sqe_set_data64(sqe, 1);
  std::string why;
  if (::write(sv[1], "x", 1) != 1) why = "write: " + errno_text(errno);
  io_uring_submit(ring);
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{};
  ts.tv_sec = 1;
  rc = why.empty() ? io_uring_wait_cqe_timeout(ring, &cqe, &ts) : -1;
  if (why.empty()) {
    if (rc < 0) {
      why = "io_uring multishot receive gave no completion: " + errno_text(-rc);
    } else if (cqe->res == -EINVAL) {
      why = "kernel lacks multishot receive (needs 6.0+)";
    } else if (cqe->res != 1 || (cqe->flags & IORING_CQE_F_MORE) == 0 ||
               (cqe->flags & IORING_CQE_F_BUFFER) == 0) {
      why = "io_uring multishot receive misbehaves (res " + std::to_string(cqe->res) + ")";
    }
    if (rc == 0) io_uring_cqe_seen(ring, cqe);
  }
  // Let the kernel drop the receive before the buffers go away.
  ::close(sv[1]);
  for (int i = 0; i < 8; ++i) {
    ts.tv_sec = 0;
    ts.tv_nsec = 100000000;
    if (io_uring_wait_cqe_timeout(ring, &cqe, &ts) < 0) break;
    bool last = cqe->user_data == 1 && (cqe->flags & IORING_CQE_F_MORE) == 0;
    io_uring_cqe_seen(ring, cqe);
    if (last) break;
  }
  ::close(sv[0]);
  return why;
}

}  // namespace

// A receive limited to one byte, with two waiting, must end with its first completion (which may
// carry both: only bundles are cut to the limit). Older kernels refuse the field (EINVAL).
std::string probe_recv_limit(io_uring* ring, uint16_t group,
                             const std::function<void(uint32_t)>& give_back) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
    return "socketpair: " + errno_text(errno);
  }
  std::string why = "io_uring gave no receive completion";
  io_uring_sqe* sqe = io_uring_get_sqe(ring);
  if (sqe != nullptr && ::send(sv[1], "ab", 2, MSG_NOSIGNAL) == 2) {
    constexpr uint64_t kProbe = 3;
    io_uring_prep_recv_multishot(sqe, sv[0], nullptr, 0, 0);
    sqe->file_index = 1;  // sqe->optlen in newer headers: the multishot's total
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = group;
    io_uring_sqe_set_data64(sqe, kProbe);
    io_uring_submit(ring);
    bool first = true;
    bool ended = false;
    bool cancelled = false;
    for (int round = 0; round < 50 && !ended; ++round) {
      __kernel_timespec ts{0, 20'000'000};
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe_timeout(ring, &cqe, &ts) == 0 && cqe != nullptr) {
        if (cqe->user_data == kProbe) {
          bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
          if (first) {
            if (cqe->res == -EINVAL) {
              why = "kernel lacks a multishot receive limit (needs 6.18+)";
            } else if (cqe->res <= 0) {
              why = "io_uring receive failed: " + errno_text(-cqe->res);
            } else {
              why = more ? "kernel ignores the multishot receive limit" : "";
            }
            first = false;
          }
          ended = !more;
          if ((cqe->flags & IORING_CQE_F_BUFFER) != 0)
            give_back(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        }
        io_uring_cqe_seen(ring, cqe);
      } else if (!cancelled && (sqe = io_uring_get_sqe(ring)) != nullptr) {
        io_uring_prep_cancel64(sqe, kProbe, 0);  // still armed: stop it before the socket goes
        io_uring_sqe_set_data64(sqe, 0);
        io_uring_submit(ring);
        cancelled = true;
      }
    }
  }
  ::close(sv[0]);
  ::close(sv[1]);
  return why;
}

namespace {

// Arms a multishot accept on a loopback listener and connects to it once: the completion must
// carry a connection and say more will follow.
std::string check_multishot_accept(io_uring* ring) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  std::string why;
  if (listener < 0 || client < 0 ||
      bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 ||
      listen(listener, 4) < 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) < 0) {
    why = "loopback listener: " + errno_text(errno);
  }
  if (why.empty()) {
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    io_uring_prep_multishot_accept(sqe, listener, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, 2);
    io_uring_submit(ring);
    if (connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
      why = "connect to loopback listener: " + errno_text(errno);
    }
  }
  if (why.empty()) {
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{};
    ts.tv_sec = 1;
    int rc = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
    if (rc < 0) {
      why = "io_uring multishot accept gave no completion: " + errno_text(-rc);
    } else {
      if (cqe->res == -EINVAL) {
        why = "kernel lacks multishot accept (needs 5.19+)";
      } else if (cqe->res < 0) {
        why = "io_uring multishot accept failed: " + errno_text(-cqe->res);
      } else if ((cqe->flags & IORING_CQE_F_MORE) == 0) {
        why = "io_uring accept is not multishot here (no IORING_CQE_F_MORE)";
      }
      if (cqe->res >= 0) ::close(cqe->res);
      io_uring_cqe_seen(ring, cqe);
    }
  }
  if (client >= 0) ::close(client);
  if (listener >= 0) ::close(listener);
  return why;
}

std::string check_buffer_ring(io_uring* ring) {
  BufferRing bufs;
  int rc = bufs.init(ring, 1, 8, 64);
  if (rc == -EINVAL) return "kernel lacks provided-buffer rings (needs 5.19+)";
  if (rc == -ENOMEM || rc == -EPERM) return "cannot pin buffer ring memory: raise ulimit -l";
  if (rc < 0) return "buffer ring registration failed: " + errno_text(-rc);
  return "";
}

// Creates a ring the way the backend does; "" or the reason it cannot.
std::string init_ring(io_uring* ring, io_uring_params* p) {
  std::memset(p, 0, sizeof(*p));
  int rc = io_uring_queue_init_params(8, ring, p);
  if (rc == -ENOSYS) return "io_uring_setup: ENOSYS (kernel without io_uring, or seccomp)";
  if (rc == -EPERM) {
    return "io_uring_setup: EPERM (sysctl kernel.io_uring_disabled or a seccomp filter)";
  }
  if (rc == -ENOMEM) return "io_uring_setup: ENOMEM (RLIMIT_MEMLOCK too low? see ulimit -l)";
  if (rc < 0) return "io_uring_setup: " + errno_text(-rc);
  return "";
}

// Closing a ring queues work back onto every thread that used it, and until that work runs, a
// blocking socket call under SO_RCVTIMEO or SO_SNDTIMEO on that thread fails with EINTR.
// Each probe runs on a thread of its own that has exited before the caller goes on, so the
// caller's later calls never see a probe's teardown.
template <typename Probe>
auto on_own_thread(Probe probe) {
  decltype(probe()) result;
  std::thread([&] { result = probe(); }).join();
  return result;
}

UringFacts probe_facts_here() {
  UringFacts facts;
  io_uring ring;
  io_uring_params p;
  facts.ring = init_ring(&ring, &p);
  if (!facts.ring.empty()) {
    facts.multishot_accept = facts.multishot_recv = facts.buffer_rings = facts.recv_bundles =
        facts.recv_limit = "no io_uring ring";
    return facts;
  }
  facts.buffer_rings = check_buffer_ring(&ring);
  facts.multishot_recv = check_multishot_recv(&ring);
  facts.recv_bundles = (p.features & IORING_FEAT_RECVSEND_BUNDLE) != 0
                           ? ""
                           : "kernel lacks receive bundles (needs 6.10+)";
  {
    BufferRing bufs;
    facts.recv_limit = bufs.init(&ring, 2, 8, 64) == 0 ? probe_recv_limit(&ring, 2, [](uint32_t) {})
                                                       : "no buffer ring to receive into";
  }
  // Last: the armed accept stays in the ring until the ring goes.
  facts.multishot_accept = check_multishot_accept(&ring);
  io_uring_queue_exit(&ring);
  return facts;
}

std::string probe_here() {
  io_uring ring;
  io_uring_params p;
  std::string why = init_ring(&ring, &p);
  if (!why.empty()) return why;
  if ((p.features & IORING_FEAT_EXT_ARG) == 0 || (p.features & IORING_FEAT_NODROP) == 0) {
    why = "kernel io_uring too old (no EXT_ARG/NODROP; needs 6.0+)";
  }
  if (why.empty()) why = check_opcodes(&ring);
  if (why.empty()) why = check_multishot_recv(&ring);
  io_uring_queue_exit(&ring);
  return why;
}

}  // namespace

UringFacts probe_uring_facts() {
  return on_own_thread(probe_facts_here);
}

std::string probe_uring() {
  return on_own_thread(probe_here);
}

}  // namespace percore::io
