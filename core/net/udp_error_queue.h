// ICMP errors of an unconnected UDP socket. By default Linux drops them for unconnected sockets
// (only a connected socket learns that its peer is gone); with IP_RECVERR / IPV6_RECVERR each one
// is queued on the socket's error queue with the destination of the datagram that caused it, so
// a relay sending to several backends from one socket can tell which of them is unreachable.
#pragma once

#include <sys/socket.h>

#include <cstdint>

namespace percore::net {

// Turns the error queue on for a UDP socket of `family`. An IPv6 socket also gets IP_RECVERR, so
// errors for IPv4-mapped destinations are queued too. Returns 0 or -errno.
int enable_udp_error_queue(int fd, int family);

struct UdpError {
  sockaddr_storage dest;  // where the datagram that drew the error was going (address and port)
  socklen_t dest_len;
  int err;       // ECONNREFUSED for port unreachable, EHOSTUNREACH, ENETUNREACH, EMSGSIZE ...
  bool icmp;     // from an ICMP / ICMPv6 message (SO_EE_ORIGIN_ICMP*), not a local error
  uint8_t type;  // the ICMP type and code, when icmp
  uint8_t code;
};

// Takes the oldest entry off the socket's error queue without blocking (MSG_ERRQUEUE; no
// allocation). Returns 1 with *out filled, 0 when the queue is empty, or -errno. Emptying the
// queue also clears the socket's pending error, which the kernel would otherwise hand to the
// next send or receive.
int read_udp_error(int fd, UdpError* out);

// Whether two socket addresses name the same endpoint: family, address and port (IPv6 also the
// scope), ignoring padding and flow labels that differ between what was sent and what came back.
bool same_endpoint(const sockaddr* a, const sockaddr* b);

}  // namespace percore::net
