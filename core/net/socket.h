// Thin, errno-free wrappers for the socket set-up calls: each returns an fd or -errno.
#pragma once

#include "core/net/address.h"

namespace percore::net {

// A TCP socket bound to addr with SO_REUSEPORT (and SO_REUSEADDR), non-blocking, close-on-exec.
// With listen_backlog > 0 it also listens. IPv6 sockets are v6-only so [::]:p and 0.0.0.0:p mix.
int bind_reuseport(const Address& addr, int listen_backlog);

// A non-blocking, close-on-exec TCP socket of the address's family, unconnected.
int stream_socket(const Address& addr);

// TCP_NODELAY on; returns 0 or -errno.
int set_nodelay(int fd);

}  // namespace percore::net
