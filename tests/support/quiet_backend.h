// A base for io::Backend test doubles that deliver no completions of their own (the test or the
// fuzz driver does) and have no datagram sockets: what the doubles all answer the same way.
#pragma once

#include <cerrno>
#include <cstdint>

#include "core/io/backend.h"

namespace percore::test {

class QuietBackend : public io::Backend {
 public:
  int close_when_sent(int fd) override { return close(fd); }
  void settle(int64_t) override {}
  int wait(io::Completion*, int, int64_t) override { return 0; }
  // Stream modes only: no datagram socket is ever opened.
  int open_datagram(int, uint64_t) override { return -ENOSYS; }
  int send_datagrams(int, const io::OutDatagram*, int) override { return -EBADF; }
  io::DatagramStats datagram_stats() const override { return {}; }
};

}  // namespace percore::test
