// What the reference servers of the benchmarks share: a listener on 127.0.0.1 and an epoll set
// watching it, set up the same way in each so that only their loops differ.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstdio>
#include <vector>

namespace percore::bench {

// A non-blocking listener on 127.0.0.1:port added to a new epoll set (data.fd = the listener);
// returns the epoll fd and sets *listener, or prints why and returns -1.
inline int listen_loopback_epoll(int port, int* listener) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(lfd, 4096) != 0) {
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

}  // namespace percore::bench
