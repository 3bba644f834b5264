// Linux: binding a connection's source address without choosing its port yet.
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "client/run/source_addresses.h"

namespace percore::client {

int bind_source(int fd, const net::Address& source) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) < 0) return -errno;
  if (bind(fd, source.sa(), source.len) < 0) return -errno;
  return 0;
}

}  // namespace percore::client
