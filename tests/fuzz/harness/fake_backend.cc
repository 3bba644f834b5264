#include "tests/fuzz/harness/fake_backend.h"

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace percore::fuzz {

FakeBackend::~FakeBackend() {
  for (auto& [fd, s] : sockets_) {
    if (fd < kFirstFakeFd) ::close(fd);
  }
}

int FakeBackend::open(int fd, uint64_t token) {
  FakeSocket s;
  s.token = token;
  sockets_[fd] = std::move(s);
  return 0;
}

int FakeBackend::connect(int fd, uint64_t token, const sockaddr*, socklen_t) {
  FakeSocket s;
  s.token = token;
  s.connecting = s.upstream = true;
  sockets_[fd] = std::move(s);
  return 0;
}

int FakeBackend::pause_recv(int fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return -EBADF;
  it->second.paused = true;
  return 0;
}

int FakeBackend::resume_recv(int fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return -EBADF;
  it->second.paused = false;
  return 0;
}

int FakeBackend::send(int fd, iovec* iov, int iovcnt) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return -EBADF;
  FakeSocket& s = it->second;
  // The contract allows one send in flight per socket; a mode that breaks it is a bug.
  if (s.send_in_flight || s.connecting) __builtin_trap();
  int32_t total = 0;
  for (int i = 0; i < iovcnt; ++i) {
    s.sent.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    total += static_cast<int32_t>(iov[i].iov_len);
  }
  s.send_in_flight = true;
  s.send_bytes = total;
  return 0;
}

int FakeBackend::close(int fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return -EBADF;
  closed_.push_back(Closed{it->second.upstream, std::move(it->second.sent)});
  if (fd < kFirstFakeFd) ::close(fd);
  sockets_.erase(it);
  return 0;
}

}  // namespace percore::fuzz
