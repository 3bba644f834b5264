// The errnos a datagram send or receive is counted under: the ones seed 004 asks about and a few
// more a relay meets, then "other". A fixed list, so the counts live in shared memory.
#pragma once

#include <errno.h>

#include <cstdint>

namespace percore::stats {

#define PERCORE_UDP_ERRNOS(X) \
  X(EHOSTUNREACH)             \
  X(ENETUNREACH)              \
  X(EAGAIN)                   \
  X(ENOBUFS)                  \
  X(ECONNREFUSED)             \
  X(EMSGSIZE)                 \
  X(EPERM)                    \
  X(EACCES)                   \
  X(EINVAL)                   \
  X(EAFNOSUPPORT)             \
  X(EIO)

inline constexpr const char* kUdpErrnoNames[] = {
#define PERCORE_UDP_ERRNO_NAME(e) #e,
    PERCORE_UDP_ERRNOS(PERCORE_UDP_ERRNO_NAME)
#undef PERCORE_UDP_ERRNO_NAME
        "other"};
inline constexpr int kUdpErrnoKinds = sizeof(kUdpErrnoNames) / sizeof(kUdpErrnoNames[0]);

// Index into kUdpErrnoNames for a positive errno.
inline int udp_errno_index(int err) {
  int i = 0;
#define PERCORE_UDP_ERRNO_INDEX(e) \
  if (err == e) return i;          \
  ++i;
  PERCORE_UDP_ERRNOS(PERCORE_UDP_ERRNO_INDEX)
#undef PERCORE_UDP_ERRNO_INDEX
  return kUdpErrnoKinds - 1;
}

}  // namespace percore::stats
