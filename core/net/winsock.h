// Winsock set-up shared by the Windows backend and socket helpers.
#pragma once

#include "core/net/sys.h"

namespace percore::net {

// WSAStartup once per process; returns 0 or the Winsock error.
int ensure_winsock();

// The extension functions Winsock hands out per provider (SIO_GET_EXTENSION_FUNCTION_POINTER).
int load_accept_ex(SOCKET any, LPFN_ACCEPTEX* out);
int load_connect_ex(SOCKET any, LPFN_CONNECTEX* out);

}  // namespace percore::net
