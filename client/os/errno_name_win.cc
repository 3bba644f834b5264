// Windows: errno names from a table (MinGW has no strerrorname_np). The table covers the errno
// values the IOCP backend's errno_from_wsa produces and the ones the client's own checks use, so
// error kinds read the same as on Linux.
#include <errno.h>

#include <fmt/format.h>

#include "client/os/errno_name.h"

namespace percore::client {

std::string errno_name(int err) {
  struct Name {
    int err;
    const char* name;
  };
  static constexpr Name kNames[] = {
      {EPERM, "EPERM"},
      {ENOENT, "ENOENT"},
      {EINTR, "EINTR"},
      {EIO, "EIO"},
      {EBADF, "EBADF"},
      {EAGAIN, "EAGAIN"},
      {ENOMEM, "ENOMEM"},
      {EACCES, "EACCES"},
      {EFAULT, "EFAULT"},
      {EINVAL, "EINVAL"},
      {ENFILE, "ENFILE"},
      {EMFILE, "EMFILE"},
      {EPIPE, "EPIPE"},
      {EADDRINUSE, "EADDRINUSE"},
      {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
      {EAFNOSUPPORT, "EAFNOSUPPORT"},
      {EALREADY, "EALREADY"},
      {ECANCELED, "ECANCELED"},
      {ECONNABORTED, "ECONNABORTED"},
      {ECONNREFUSED, "ECONNREFUSED"},
      {ECONNRESET, "ECONNRESET"},
      {EHOSTUNREACH, "EHOSTUNREACH"},
      {EINPROGRESS, "EINPROGRESS"},
      {EISCONN, "EISCONN"},
      {EMSGSIZE, "EMSGSIZE"},
      {ENETDOWN, "ENETDOWN"},
      {ENETRESET, "ENETRESET"},
      {ENETUNREACH, "ENETUNREACH"},
      {ENOBUFS, "ENOBUFS"},
      {ENOTCONN, "ENOTCONN"},
      {ENOTSOCK, "ENOTSOCK"},
      {EOPNOTSUPP, "EOPNOTSUPP"},
      {ETIMEDOUT, "ETIMEDOUT"},
      {EWOULDBLOCK, "EWOULDBLOCK"},
  };
  for (const Name& n : kNames) {
    if (n.err == err) return n.name;
  }
  return fmt::format("E{}", err);
}

// The C runtime's strerror has no text for the socket errno values, so the name is the text.
std::string errno_text(int err) {
  return errno_name(err);
}

}  // namespace percore::client
