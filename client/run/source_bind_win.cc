// Windows: binding a connection's source address. Windows has no IP_BIND_ADDRESS_NO_PORT; a
// plain bind to port 0 picks the port at bind time, which is what ConnectEx needs anyway.
#include <errno.h>

#include "client/run/source_addresses.h"
#include "core/net/sys.h"
#include "core/net/winsock.h"

namespace percore::client {

int bind_source(int fd, const net::Address& source) {
  if (bind(net::to_socket(fd), source.sa(), source.len) != 0) {
    return -io::errno_from_wsa(WSAGetLastError());
  }
  return 0;
}

}  // namespace percore::client
