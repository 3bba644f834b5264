// Thin, errno-free wrappers for the socket set-up calls: each returns an fd or -errno.
#pragma once

#include "core/net/address.h"

namespace percore::net {

// A TCP socket bound to addr with SO_REUSEPORT (and SO_REUSEADDR), non-blocking, close-on-exec.
// With listen_backlog > 0 it also listens. IPv6 sockets are v6-only so [::]:p and 0.0.0.0:p mix.
int bind_reuseport(const Address& addr, int listen_backlog);
// The same without SO_REUSEPORT: a listener that is the only one on its address, as a pre-fork
// server's master opens it before forking.
int bind_exclusive(const Address& addr, int listen_backlog);

// True when a socket already listens on addr (TCP) or is bound to it (udp): a bind without
// SO_REUSEPORT fails with EADDRINUSE. SO_REUSEADDR on the TCP probe keeps connections in
// TIME_WAIT from counting. Linux only (socket.cc).
bool address_taken(const Address& addr, bool udp);

// Sets SO_INCOMING_CPU: within a SO_REUSEPORT group (kernel >= 6.1) a connection whose SYN is
// processed on `cpu` goes to the listener that carries that CPU. Returns 0 or -errno.
int set_incoming_cpu(int fd, int cpu);

// A non-blocking, close-on-exec TCP socket of the address's family, unconnected.
int stream_socket(const Address& addr);

// A non-blocking, close-on-exec UDP socket bound to addr with SO_REUSEPORT, so that every worker
// binds its own socket to the same address and the kernel spreads senders over them.
int bind_udp_reuseport(const Address& addr);
// A non-blocking, close-on-exec UDP socket bound to addr (port 0: an ephemeral port).
int bind_udp(const Address& addr);
// Sets SO_RCVBUF / SO_SNDBUF (bytes; 0 leaves the default), forcing past net.core.*mem_max when
// the process may (CAP_NET_ADMIN). Returns 0 or -errno.
int set_udp_buffers(int fd, int rcvbuf, int sndbuf);

// Windows only (socket_win.cc): SIO_CPU_AFFINITY, the socket's network processing on `cpu`
// where the system supports it. Returns 0 or -errno.
int set_cpu_affinity(int fd, int cpu);

// SO_LINGER with a zero timeout: the next close sends RST and drops what is unsent.
int set_linger_reset(int fd);

// TCP_NODELAY on; returns 0 or -errno.
int set_nodelay(int fd);

}  // namespace percore::net
