// Helpers for the event-loop backend tests: loopback sockets and a bounded wait() pump that
// records completions and copies received bytes.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/io/backend.h"

namespace percore::io::testing {

inline sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

inline void set_nonblock(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// A non-blocking listener on 127.0.0.1 with a kernel-chosen port.
inline int make_listener(uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0 || listen(fd, 128) < 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

// A connected client socket (blocking connect; completes against the listen backlog).
inline int connect_to(uint16_t port, bool nonblocking) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (nonblocking) set_nonblock(fd);
  return fd;
}

// Accepts one connection (waiting up to 2 s) as a non-blocking socket.
inline int accept_one(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  if (poll(&p, 1, 2000) != 1) return -1;
  return accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

inline std::string pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) % 251);
  return s;
}

// Writes as much of each payload to its peer as the socket takes now; written[i] keeps the place.
inline void feed_all(const std::vector<int>& peers, const std::vector<std::string>& payloads,
                     std::vector<size_t>& written) {
  for (size_t i = 0; i < peers.size(); ++i) {
    while (written[i] < payloads[i].size()) {
      ssize_t n = ::send(peers[i], payloads[i].data() + written[i], payloads[i].size() - written[i],
                         MSG_NOSIGNAL);
      if (n <= 0) break;
      written[i] += static_cast<size_t>(n);
    }
  }
}

// Calls wait() and keeps what came back: every completion (data pointer cleared, since it dies
// at the next wait), the received bytes per token and the final receive result per token.
class Pump {
 public:
  explicit Pump(Backend* backend, int max = 64) : backend_(backend), buf_(max) {}

  int once(int timeout_ms) {
    int n = backend_->wait(buf_.data(), static_cast<int>(buf_.size()), int64_t{timeout_ms} * 1000);
    ++waits;
    if (n < 0) {
      if (n != -EINTR) ++errors;
      return n;
    }
    if (n > static_cast<int>(buf_.size())) ++errors;
    for (int i = 0; i < n; ++i) {
      Completion c = buf_[i];
      if (on_completion) on_completion(c);
      if (c.op == Op::kRecv) {
        if (c.result > 0) {
          data[c.token].append(c.data, static_cast<size_t>(c.result));
          ++recv_count[c.token];
        } else {
          end[c.token] = c.result;
        }
      }
      c.data = nullptr;
      all.push_back(c);
    }
    return n;
  }

  // Pumps until done() or ms elapse; `between` runs before each wait (feeding peers ...).
  bool until(const std::function<bool()>& done, int ms,
             const std::function<void()>& between = nullptr, int wait_ms = 5) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (between) between();
      once(wait_ms);
    }
    return true;
  }

  // Pumps for `ms` regardless.
  void idle(int ms) {
    until([] { return false; }, ms);
  }

  int count(uint64_t token, Op op) const {
    int n = 0;
    for (const Completion& c : all) n += c.token == token && c.op == op;
    return n;
  }
  int count(Op op) const {
    int n = 0;
    for (const Completion& c : all) n += c.op == op;
    return n;
  }
  const Completion* first(uint64_t token, Op op) const {
    for (const Completion& c : all) {
      if (c.token == token && c.op == op) return &c;
    }
    return nullptr;
  }

  // Sees every completion while its data is still valid.
  std::function<void(const Completion&)> on_completion;
  std::vector<Completion> all;
  std::map<uint64_t, std::string> data;
  std::map<uint64_t, int> recv_count;
  std::map<uint64_t, int> end;
  int waits = 0;
  int errors = 0;

 private:
  Backend* backend_;
  std::vector<Completion> buf_;
};

}  // namespace percore::io::testing
