#include "server/worker_platform.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/net/socket.h"

namespace percore::server::platform {
namespace {

// `cpu` mode uses SO_INCOMING_CPU rather than a SO_ATTACH_REUSEPORT_CBPF program: the CBPF
// program returns an index into the group's socket array, and that array is reordered whenever a
// member leaves (the last socket moves into the hole), so after every worker restart the master
// would have to re-attach a program and, until then, connections land on the wrong worker.
// SO_INCOMING_CPU is a property of each socket: a restarted worker sets it on its new listener
// and nothing else changes; CPUs without a listener fall back to the hash. No privilege needed.
int open_listener(const ServerOptions& options, const net::Address& addr, int core) {
  int fd = net::bind_reuseport(addr, 0);
  if (fd < 0) return fd;
  int rc = 0;
  if (options.listen_mode == ListenMode::kCpu) rc = net::set_incoming_cpu(fd, core);
  if (rc == 0 && listen(fd, options.backlog) < 0) rc = -errno;
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

int open_datagram_socket(const ServerOptions& options, const net::Address& addr) {
  int fd = net::bind_udp_reuseport(addr);
  int rc = fd < 0 ? fd : net::set_udp_buffers(fd, options.rcvbuf, options.sndbuf);
  if (rc < 0) {
    if (fd >= 0) close(fd);
    return rc;
  }
  return fd;
}

}  // namespace

int32_t worker_id() {
  return getpid();
}

const char* worker_id_kind() {
  return "pid";
}

int open_worker_socket(const ServerOptions& options, Transport transport, size_t i, int core) {
  const net::Address& addr = options.listen[i];
  return transport == Transport::kDatagram ? open_datagram_socket(options, addr)
                                           : open_listener(options, addr, core);
}

}  // namespace percore::server::platform
