// The client's datagram sockets as this system's backend needs them: non-blocking on Linux
// (udp_socket.cc), overlapped on Windows for IOCP (udp_socket_win.cc). Errors as -errno.
#pragma once

#include "core/net/address.h"

namespace percore::client {

// An unbound datagram socket of `target`'s family, or -errno.
int open_udp_socket(const net::Address& target);
// Connects `fd` to `target`, so only its answers arrive; 0 or -errno.
int connect_udp_socket(int fd, const net::Address& target);

}  // namespace percore::client
