// Windows: the same helpers over Winsock. Sockets are created overlapped (the IOCP backend
// needs it) and not inheritable. Windows has no SO_REUSEPORT: bind_reuseport() binds an
// exclusive listener and the server shares it between its worker threads
// (core/io/iocp_backend_win.cc); bind_udp_reuseport() uses SO_REUSEADDR plus SIO_CPU_AFFINITY
// where the system has it.
#include <errno.h>

#include "core/net/socket.h"
#include "core/net/winsock.h"

#ifndef SIO_CPU_AFFINITY
#define SIO_CPU_AFFINITY _WSAIOW(IOC_VENDOR, 21)
#endif

namespace percore::net {
namespace {

int last_error() {
  return -errno_from_wsa(WSAGetLastError());
}

SOCKET new_socket(int family, int type, int protocol) {
  if (ensure_winsock() != 0) return INVALID_SOCKET;
  return WSASocketW(family, type, protocol, nullptr, 0,
                    WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
}

int fail(SOCKET s) {
  int rc = last_error();
  closesocket(s);
  return rc;
}

int bind_listener(const Address& addr, int listen_backlog) {
  SOCKET s = new_socket(addr.family(), SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return last_error();
  // Windows' SO_REUSEADDR would let another program take over the port: ask for the opposite.
  BOOL one = TRUE;
  setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof(one));
  if ((addr.family() == AF_INET6 &&
       setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&one), sizeof(one)) !=
           0) ||
      bind(s, addr.sa(), addr.len) != 0 || (listen_backlog > 0 && listen(s, listen_backlog) != 0)) {
    return fail(s);
  }
  return from_socket(s);
}

}  // namespace

int bind_reuseport(const Address& addr, int listen_backlog) {
  return bind_listener(addr, listen_backlog);
}

int bind_exclusive(const Address& addr, int listen_backlog) {
  return bind_listener(addr, listen_backlog);
}

int set_incoming_cpu(int, int) {
  return -EOPNOTSUPP;
}

int stream_socket(const Address& addr) {
  SOCKET s = new_socket(addr.family(), SOCK_STREAM, IPPROTO_TCP);
  return s == INVALID_SOCKET ? last_error() : from_socket(s);
}

int bind_udp_reuseport(const Address& addr) {
  SOCKET s = new_socket(addr.family(), SOCK_DGRAM, IPPROTO_UDP);
  if (s == INVALID_SOCKET) return last_error();
  BOOL one = TRUE;
  if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&one), sizeof(one)) !=
          0 ||
      (addr.family() == AF_INET6 &&
       setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&one), sizeof(one)) !=
           0) ||
      bind(s, addr.sa(), addr.len) != 0) {
    return fail(s);
  }
  return from_socket(s);
}

int bind_udp(const Address& addr) {
  SOCKET s = new_socket(addr.family(), SOCK_DGRAM, IPPROTO_UDP);
  if (s == INVALID_SOCKET) return last_error();
  if (bind(s, addr.sa(), addr.len) != 0) return fail(s);
  return from_socket(s);
}

int set_udp_buffers(int fd, int rcvbuf, int sndbuf) {
  SOCKET s = to_socket(fd);
  if (rcvbuf > 0 && setsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&rcvbuf),
                               sizeof(rcvbuf)) != 0) {
    return last_error();
  }
  if (sndbuf > 0 && setsockopt(s, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&sndbuf),
                               sizeof(sndbuf)) != 0) {
    return last_error();
  }
  return 0;
}

int set_linger_reset(int fd) {
  linger lg{1, 0};
  return setsockopt(to_socket(fd), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&lg),
                    sizeof(lg)) != 0
             ? last_error()
             : 0;
}

int set_nodelay(int fd) {
  BOOL one = TRUE;
  return setsockopt(to_socket(fd), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one),
                    sizeof(one)) != 0
             ? last_error()
             : 0;
}

int set_cpu_affinity(int fd, int cpu) {
  // Bind the socket's network processing to the worker's CPU (seed 000); a system without it
  // (older Windows, Wine) answers with an error, which the caller ignores.
  USHORT processor = static_cast<USHORT>(cpu);
  DWORD ignored = 0;
  return WSAIoctl(to_socket(fd), SIO_CPU_AFFINITY, &processor, sizeof(processor), nullptr, 0,
                  &ignored, nullptr, nullptr) != 0
             ? last_error()
             : 0;
}

}  // namespace percore::net
