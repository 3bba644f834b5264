// The floor for the load-generator benchmark: the least an HTTP/1.1 load generator can do and
// still keep N connections busy. One thread, epoll, per request one send() of a fixed request and
// one recv() per readable socket; a response is counted by its length alone (learnt once, at
// start, from the first response: headers plus Content-Length), so nothing is parsed per
// request, no latency is recorded, no timers. `client http`'s CPU per request is reported as a
// ratio to this and to wrk's: what client spends above it is its own, the rest is the kernel's.
//
//   ref_http_load PORT CONNECTIONS SECONDS [close]
//       drives http://127.0.0.1:PORT/ for SECONDS and prints "requests N"; with `close` every
//       request asks Connection: close and a new connection is opened for the next one
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

sockaddr_in target(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A blocking connect: on loopback the handshake completes inside the call, so the socket can be
// written at once and the floor pays no extra readiness round for it.
int open_conn(const sockaddr_in& addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// The whole length of one response (headers + Content-Length body), read once before the run.
size_t learn_response_length(const sockaddr_in& addr, const std::string& request) {
  int fd = open_conn(addr);
  if (fd < 0 ||
      send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    if (fd >= 0) close(fd);
    return 0;
  }
  std::string got;
  char buf[4096];
  size_t total = 0;
  while (total == 0 || got.size() < total) {
    ssize_t r = recv(fd, buf, sizeof(buf), 0);
    if (r <= 0) break;
    got.append(buf, static_cast<size_t>(r));
    size_t end = got.find("\r\n\r\n");
    if (total == 0 && end != std::string::npos) {
      const char* cl = strcasestr(got.c_str(), "\r\nContent-Length:");
      if (cl == nullptr || cl > got.c_str() + end) break;
      total = end + 4 + std::strtoul(cl + 17, nullptr, 10);
    }
  }
  close(fd);
  return total != 0 && got.size() == total ? total : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5 || (argc == 5 && std::strcmp(argv[4], "close") != 0)) {
    std::fprintf(stderr, "usage: ref_http_load PORT CONNECTIONS SECONDS [close]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const int conns = std::atoi(argv[2]);
  const double seconds = std::atof(argv[3]);
  const bool close_each = argc == 5;
  if (port <= 0 || port > 65535 || conns <= 0 || seconds <= 0) {
    std::fprintf(stderr, "ref_http_load: bad PORT, CONNECTIONS or SECONDS\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const sockaddr_in addr = target(port);
  const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              (close_each ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n");
  const size_t response_len = learn_response_length(addr, request);
  if (response_len == 0) {
    std::fprintf(stderr, "ref_http_load: no response with a Content-Length from port %d\n", port);
    return 1;
  }

  int ep = epoll_create1(0);
  std::vector<size_t> pending;  // bytes of the current response received so far, by fd
  auto start = [&](int fd) {
    if (static_cast<size_t>(fd) >= pending.size()) pending.resize(static_cast<size_t>(fd) * 2 + 1);
    pending[static_cast<size_t>(fd)] = 0;
    epoll_event ev{EPOLLIN, {.fd = fd}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    return send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(request.size());
  };
  for (int i = 0; i < conns; ++i) {
    int fd = open_conn(addr);
    if (fd < 0 || !start(fd)) {
      std::perror("ref_http_load: connect");
      return 1;
    }
  }
  uint64_t requests = 0, errors = 0;
  std::vector<char> buf(64 << 10);
  epoll_event events[512];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int n = epoll_wait(ep, events, 512, 100);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      ssize_t r = recv(fd, buf.data(), buf.size(), 0);
      size_t& have = pending[static_cast<size_t>(fd)];
      if (r <= 0) {
        // With `close` the server closing after a whole response is the normal end (it, not
        // this side, then holds TIME_WAIT, as with wrk); anything else is an error.
        if (!(close_each && r == 0 && have == response_len)) ++errors;
        close(fd);
        fd = open_conn(addr);
        if (fd < 0) return 1;
        if (!start(fd)) ++errors;
        continue;
      }
      have += static_cast<size_t>(r);
      if (have < response_len) continue;
      ++requests;
      if (close_each) {
        have = response_len;  // wait for the server's close
        continue;
      }
      have -= response_len;  // one request in flight per connection: nothing else can follow
      if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
        ++errors;
      }
    }
  }
  std::printf("requests %llu errors %llu\n", static_cast<unsigned long long>(requests),
              static_cast<unsigned long long>(errors));
  return errors == 0 ? 0 : 1;
}
