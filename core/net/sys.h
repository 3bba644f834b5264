// The system's socket headers behind one include, so that the I/O contract and the code that
// only passes sockets around compile on Linux and Windows alike. On Windows a socket is a
// SOCKET handle; percore keeps sockets in an `int` on both systems: Windows documents that
// kernel handles (sockets included) carry only 32 significant bits, so the cast is lossless.
#pragma once

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
// winsock2.h first: mswsock.h (AcceptEx, ConnectEx) needs its types.
#include <mswsock.h>

#include <cstddef>
#include <cstdint>

// The POSIX scatter/gather element: the backend turns it into WSABUF.
struct iovec {
  void* iov_base;
  size_t iov_len;
};
#ifndef SHUT_WR
#define SHUT_WR SD_SEND
#endif
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

namespace percore::net {

#ifdef _WIN32
inline SOCKET to_socket(int fd) {
  return static_cast<SOCKET>(static_cast<uintptr_t>(static_cast<unsigned>(fd)));
}
inline int from_socket(SOCKET s) {
  return static_cast<int>(static_cast<uintptr_t>(s));
}
inline int close_socket(int fd) {
  return closesocket(to_socket(fd));
}
#else
// Closes a socket the backend never took (see core/io/backend.h).
inline int close_socket(int fd) {
  return ::close(fd);
}
#endif

}  // namespace percore::net
