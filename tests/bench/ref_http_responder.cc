// The floor for the HTTP server benchmark: the least a server can do and still answer HTTP.
// One process, epoll, one recv() per readable socket and one send() of a fixed response per
// request in it. A request is whatever ends in "\r\n\r\n" (found with memmem, nothing else is
// parsed), so pipelined requests get one response each, in one send. No timers, no Date header,
// no limits. percore's CPU per request is reported as a ratio to this: what percore spends above
// it is its own; the rest is the kernel's.
//
//   ref_http_responder PORT [close]   listens on 127.0.0.1:PORT, prints "ready" when listening;
//                                     with `close` every response says Connection: close and
//                                     the socket is closed after it (connection per request)
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
#include <cstring>
#include <string>
#include <vector>

#include "ref_listen.h"

namespace {

// Same body as the benchmark's nginx and percore (19 bytes); Connection named so that HTTP/1.0
// clients (ab -k) keep the connection.
constexpr char kKeepAlive[] =
    "HTTP/1.1 200 OK\r\nServer: ref\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n"
    "Connection: keep-alive\r\n\r\nHello from percore\n";
constexpr char kClose[] =
    "HTTP/1.1 200 OK\r\nServer: ref\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n"
    "Connection: close\r\n\r\nHello from percore\n";

struct Conn {
  char tail[3] = {};  // the last bytes of the previous read: a terminator may straddle reads
  size_t tail_len = 0;
  std::string unsent;  // only when the socket's send buffer was full
};

size_t count_terminators(const char* p, size_t n) {
  size_t count = 0;
  const char* end = p + n;
  while ((p = static_cast<const char*>(memmem(p, static_cast<size_t>(end - p), "\r\n\r\n", 4)))) {
    ++count;
    p += 4;
  }
  return count;
}

// Requests ending in this read: the "\r\n\r\n" in the data, plus one that began in the last
// bytes of the previous read (the tail) and ends here.
size_t count_requests(Conn& c, const char* data, size_t n) {
  char joint[6];
  size_t head = n < 3 ? n : 3;
  std::memcpy(joint, c.tail, c.tail_len);
  std::memcpy(joint + c.tail_len, data, head);
  size_t joint_len = c.tail_len + head;
  // A terminator in the joint that lies wholly in the new data is counted below, not here.
  size_t count = count_terminators(data, n);
  if (c.tail_len > 0 && count_terminators(joint, joint_len) > count_terminators(data, head)) {
    ++count;
  }
  // Keep the stream's last three bytes.
  const char* last = n >= 3 ? data + n - 3 : joint + (joint_len > 3 ? joint_len - 3 : 0);
  c.tail_len = n >= 3 ? 3 : (joint_len > 3 ? 3 : joint_len);
  std::memmove(c.tail, last, c.tail_len);
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "close") != 0)) {
    std::fprintf(stderr, "usage: ref_http_responder PORT [close]\n");
    return 2;
  }
  const bool close_each = argc == 3;
  const char* response = close_each ? kClose : kKeepAlive;
  const size_t response_len = std::strlen(response);
  std::vector<char> buf(64 << 10);
  std::string out;
  return percore::bench::serve_loopback<Conn>(
      std::atoi(argv[1]), [&](int ep, int fd, uint32_t events, Conn& c) {
        if (events & EPOLLOUT) {  // a backlog from a full send buffer
          ssize_t w = send(fd, c.unsent.data(), c.unsent.size(), 0);
          if (w < 0 && errno != EAGAIN) {
            close(fd);
            return;
          }
          if (w > 0) c.unsent.erase(0, static_cast<size_t>(w));
          if (c.unsent.empty()) {
            if (close_each) {
              close(fd);
              return;
            }
            epoll_event ev{EPOLLIN, {.fd = fd}};
            epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
          }
          return;
        }
        ssize_t r = recv(fd, buf.data(), buf.size(), 0);
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
          close(fd);
          return;
        }
        if (r < 0) return;
        size_t requests = count_requests(c, buf.data(), static_cast<size_t>(r));
        if (requests == 0) return;
        if (close_each) requests = 1;
        const char* data = response;
        size_t len = response_len;
        if (requests > 1) {
          out.clear();
          for (size_t k = 0; k < requests; ++k) out.append(response, response_len);
          data = out.data();
          len = out.size();
        }
        ssize_t w = send(fd, data, len, 0);
        if (w < 0 && errno != EAGAIN) {
          close(fd);
          return;
        }
        size_t sent = w > 0 ? static_cast<size_t>(w) : 0;
        if (sent < len) {
          c.unsent.assign(data + sent, len - sent);
          epoll_event ev{EPOLLOUT, {.fd = fd}};  // stop reading until the backlog drains
          epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
          return;
        }
        if (close_each) close(fd);
      });
}
