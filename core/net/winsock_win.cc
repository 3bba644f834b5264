#include "core/net/winsock.h"

#include <errno.h>

#include "core/io/iocp_backend.h"

namespace percore::net {
namespace {

template <typename Fn>
int load_extension(SOCKET s, GUID guid, Fn* out) {
  DWORD bytes = 0;
  if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof(guid), out, sizeof(*out),
               &bytes, nullptr, nullptr) != 0) {
    return -io::errno_from_wsa(WSAGetLastError());
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

}  // namespace percore::net
