// Advancing an iovec array past bytes a short send already handed to the kernel: both backends
// keep the caller's array and rewrite it in place, as the I/O contract allows.
#pragma once

#include <sys/uio.h>

#include <cstddef>

namespace percore::io {

// Drops the first n bytes from (*iov, *iovcnt); whole entries are skipped, a partial one trimmed.
inline void advance_iovecs(iovec** iov, int* iovcnt, size_t n) {
  while (*iovcnt > 0 && n >= (*iov)->iov_len) {
    n -= (*iov)->iov_len;
    ++*iov;
    --*iovcnt;
  }
  if (*iovcnt > 0) {
    (*iov)->iov_base = static_cast<char*>((*iov)->iov_base) + n;
    (*iov)->iov_len -= n;
  }
}

}  // namespace percore::io
