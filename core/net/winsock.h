// Winsock set-up and error mapping shared by the Windows backend, socket helpers and client.
#pragma once

#include "core/net/sys.h"

namespace percore::net {

// WSAStartup once per process; returns 0 or the Winsock error.
int ensure_winsock();

// The extension functions Winsock hands out per provider (SIO_GET_EXTENSION_FUNCTION_POINTER).
int load_accept_ex(SOCKET any, LPFN_ACCEPTEX* out);
int load_connect_ex(SOCKET any, LPFN_CONNECTEX* out);

// Maps a Winsock / Win32 error code to the errno value the I/O contract reports (-errno).
int errno_from_wsa(int wsa_error);

}  // namespace percore::net

namespace percore::io {
// The IOCP backend and the client's Windows files call it io::errno_from_wsa.
using net::errno_from_wsa;
}  // namespace percore::io
