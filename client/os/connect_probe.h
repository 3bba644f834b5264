// One connect on a fresh stream socket, bounded in time: the pre-run reachability check's only
// system-dependent step. connect_probe.cc is Linux (non-blocking connect, poll),
// connect_probe_win.cc Windows (Winsock's non-blocking connect, WSAPoll, errno_from_wsa).
#pragma once

#include <cstdint>

#include "core/net/address.h"

namespace percore::client {

// Connects socket `fd` to `addr`, waiting at most `timeout_ns`; 0 when connected, else the
// errno (ETIMEDOUT when the time ran out). The caller closes `fd`.
int connect_within(int fd, const net::Address& addr, int64_t timeout_ns);

}  // namespace percore::client
