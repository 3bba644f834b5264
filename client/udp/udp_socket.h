// The client's datagram sockets as this system's backend needs them: non-blocking on Linux
// (udp_socket.cc), overlapped on Windows for IOCP (udp_socket_win.cc). Errors as -errno.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/net/address.h"

namespace percore::client {

// An unbound datagram socket of `target`'s family, or -errno.
int open_udp_socket(const net::Address& target);
// Connects `fd` to `target`, so only its answers arrive; 0 or -errno.
int connect_udp_socket(int fd, const net::Address& target);
// Sends `len` bytes to `target` on a fresh connected socket and waits up to `wait_ns` for an
// error to come back; 0 when none did (an answer or silence), else the errno (ECONNREFUSED:
// ICMP port unreachable).
int probe_udp_target(const net::Address& target, const char* data, size_t len, int64_t wait_ns);

}  // namespace percore::client
