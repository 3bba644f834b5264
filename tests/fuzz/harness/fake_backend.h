// An io::Backend that touches no kernel queue: it records what a mode opens, sends and closes,
// and leaves the delivery of completions to the fuzz driver, so one input replays the same way
// every time and a whole server mode runs in a single thread without sockets.
#pragma once

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "core/io/backend.h"
#include "tests/support/quiet_backend.h"

namespace percore::fuzz {

struct FakeSocket {
  uint64_t token = 0;
  bool connecting = false;  // connect() issued, kConnect not yet delivered
  bool paused = false;
  bool upstream = false;  // opened with connect(), not open()
  bool send_in_flight = false;
  int32_t send_bytes = 0;
  std::string sent;  // every byte the mode sent on this socket
};

class FakeBackend final : public test::QuietBackend {
 public:
  ~FakeBackend() override;
  const char* name() const override { return "fake"; }
  int start_accept(int, uint64_t, io::AcceptWake) override { return 0; }
  int stop_accept(int) override { return 0; }
  int open(int fd, uint64_t token) override;
  int connect(int fd, uint64_t token, const sockaddr*, socklen_t) override;
  int pause_recv(int fd) override;
  int resume_recv(int fd) override;
  int send(int fd, iovec* iov, int iovcnt) override;
  int close(int fd) override;

  std::map<int, FakeSocket>& sockets() { return sockets_; }
  // What each socket already closed had been sent, in closing order, with whether it was one
  // the mode connected (an upstream) rather than one it accepted.
  struct Closed {
    bool upstream;
    std::string sent;
  };
  const std::vector<Closed>& closed() const { return closed_; }

 private:
  std::map<int, FakeSocket> sockets_;
  std::vector<Closed> closed_;
};

// Sockets the driver invents (the accepted client) get numbers no real descriptor has, so that
// setsockopt or shutdown on them fail harmlessly instead of touching a real file.
inline constexpr int kFirstFakeFd = 1 << 28;

}  // namespace percore::fuzz
