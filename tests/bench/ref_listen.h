// What the reference servers of the benchmarks share: a listener on 127.0.0.1 and an epoll set
// watching it, set up the same way in each so that only their loops differ.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "../support/loopback_listener.h"

namespace percore::bench {

// A non-blocking listener on 127.0.0.1:port added to a new epoll set (data.fd = the listener);
// returns the epoll fd and sets *listener, or prints why and returns -1.
inline int listen_loopback_epoll(int port, int* listener) {
  int lfd = test::listen_loopback_tcp(port, 4096, SOCK_NONBLOCK);
  if (lfd < 0) {
    std::perror("listen");
    return -1;
  }
  int ep = epoll_create1(0);
  epoll_event lev{EPOLLIN, {.fd = lfd}};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  *listener = lfd;
  return ep;
}

// Accepts every pending connection (TCP_NODELAY, non-blocking), gives each a fresh Conn in
// `conns` (indexed by fd) and watches it for input.
template <typename Conn>
void accept_all(int ep, int lfd, std::vector<Conn>& conns) {
  int one = 1;
  int c;
  while ((c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (static_cast<size_t>(c) >= conns.size()) conns.resize(static_cast<size_t>(c) * 2);
    conns[c] = Conn{};
    epoll_event ev{EPOLLIN, {.fd = c}};
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
  }
}

// Listens on 127.0.0.1:port, says "ready" and serves for ever: new connections are accepted
// (accept_all), every other event goes to on_event(ep, fd, events, conn) with the fd's epoll
// events and its Conn. Returns 1 only when it cannot listen.
template <typename Conn, typename OnEvent>
int serve_loopback(int port, OnEvent&& on_event) {
  signal(SIGPIPE, SIG_IGN);
  int lfd = -1;
  int ep = listen_loopback_epoll(port, &lfd);
  if (ep < 0) return 1;
  std::vector<Conn> conns(1024);
  epoll_event events[512];
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) {
    int n = epoll_wait(ep, events, 512, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        accept_all(ep, lfd, conns);
      } else {
        on_event(ep, fd, events[i].events, conns[fd]);
      }
    }
  }
}

}  // namespace percore::bench
