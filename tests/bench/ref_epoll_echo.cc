// The reference for the echo benchmark: the smallest honest epoll echo loop (one process,
// level-triggered, read then write back, unsent bytes kept until EPOLLOUT). percore's echo mode
// is measured against it to show what its abstractions cost.
//
//   ref_epoll_echo PORT     (listens on 127.0.0.1:PORT, prints "ready" when listening)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ref_listen.h"

namespace {

struct Conn {
  std::string unsent;
};

void echo(int ep, int fd, Conn& c, char* buf, size_t cap) {
  ssize_t n = read(fd, buf, cap);
  if (n == 0 || (n < 0 && errno != EAGAIN)) {
    close(fd);
    c.unsent.clear();
    return;
  }
  if (n < 0) return;
  ssize_t w = write(fd, buf, static_cast<size_t>(n));
  if (w < 0) w = 0;
  if (w < n) {
    c.unsent.append(buf + w, static_cast<size_t>(n - w));
    epoll_event ev{EPOLLOUT, {.fd = fd}};  // stop reading until the backlog drains
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
  }
}

void drain(int ep, int fd, Conn& c) {
  ssize_t w = write(fd, c.unsent.data(), c.unsent.size());
  if (w < 0 && errno != EAGAIN) {
    close(fd);
    c.unsent.clear();
    return;
  }
  if (w > 0) c.unsent.erase(0, static_cast<size_t>(w));
  if (c.unsent.empty()) {
    epoll_event ev{EPOLLIN, {.fd = fd}};
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ref_epoll_echo PORT\n");
    return 2;
  }
  std::vector<char> buf(64 << 10);
  return percore::bench::serve_loopback<Conn>(std::atoi(argv[1]),
                                              [&](int ep, int fd, uint32_t events, Conn& c) {
                                                if (events & EPOLLOUT) {
                                                  drain(ep, fd, c);
                                                } else {
                                                  echo(ep, fd, c, buf.data(), buf.size());
                                                }
                                              });
}
