#include "core/net/winsock.h"

#include <errno.h>

namespace percore::net {
namespace {

template <typename Fn>
int load_extension(SOCKET s, GUID guid, Fn* out) {
  DWORD bytes = 0;
  if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof(guid), out, sizeof(*out),
               &bytes, nullptr, nullptr) != 0) {
    return -errno_from_wsa(WSAGetLastError());
  }
  return 0;
}

}  // namespace

int ensure_winsock() {
  static int result = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data);
  }();
  return result;
}

int load_accept_ex(SOCKET any, LPFN_ACCEPTEX* out) {
  return load_extension(any, WSAID_ACCEPTEX, out);
}

int load_connect_ex(SOCKET any, LPFN_CONNECTEX* out) {
  return load_extension(any, WSAID_CONNECTEX, out);
}

int errno_from_wsa(int e) {
  switch (e) {
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case ERROR_NETNAME_DELETED:
    case ERROR_CONNECTION_ABORTED:
      return ECONNRESET;
    case WSAECONNREFUSED:
    case ERROR_CONNECTION_REFUSED:
      return ECONNREFUSED;
    case WSAETIMEDOUT:
    case ERROR_SEM_TIMEOUT:
      return ETIMEDOUT;
    case WSAEMFILE:
    case ERROR_TOO_MANY_OPEN_FILES:
      return EMFILE;
    case WSAENOBUFS:
    case ERROR_NOT_ENOUGH_MEMORY:
      return ENOBUFS;
    case WSAEHOSTUNREACH:
    case ERROR_HOST_UNREACHABLE:
      return EHOSTUNREACH;
    case WSAENETUNREACH:
    case ERROR_NETWORK_UNREACHABLE:
      return ENETUNREACH;
    case ERROR_OPERATION_ABORTED:
      return ECANCELED;
    case WSAEMSGSIZE:
    case ERROR_MORE_DATA:
      return EMSGSIZE;
    case WSAEADDRINUSE:
      return EADDRINUSE;
    case WSAEADDRNOTAVAIL:
      return EADDRNOTAVAIL;
    case WSAENOTCONN:
      return ENOTCONN;
    case WSAESHUTDOWN:
      return EPIPE;
    case WSAENOTSOCK:
    case ERROR_INVALID_HANDLE:
      return EBADF;
    case WSAEINVAL:
    case ERROR_INVALID_PARAMETER:
      return EINVAL;
    case WSAEACCES:
      return EACCES;
    case WSAEAFNOSUPPORT:
      return EAFNOSUPPORT;
    default:
      return EIO;
  }
}

}  // namespace percore::net
