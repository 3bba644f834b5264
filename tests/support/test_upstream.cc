#include "tests/support/test_upstream.h"

#include <arpa/inet.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "tests/support/http_client.h"
#include "tests/support/loopback_listener.h"

namespace percore::test {
namespace {

struct Request {
  std::string url;
  std::string body;
  bool done = false;
  bool keep_alive = true;
  bool head = false;
};

int on_url(http_parser* p, const char* at, size_t len) {
  static_cast<Request*>(p->data)->url.append(at, len);
  return 0;
}
int on_body(http_parser* p, const char* at, size_t len) {
  static_cast<Request*>(p->data)->body.append(at, len);
  return 0;
}
int on_done(http_parser* p) {
  auto* r = static_cast<Request*>(p->data);
  r->done = true;
  r->keep_alive = http_should_keep_alive(p) != 0;
  r->head = p->method == HTTP_HEAD;
  http_parser_pause(p, 1);
  return 0;
}

http_parser_settings request_callbacks() {
  // Every other callback null, as http_parser_settings_init() leaves them.
  http_parser_settings settings{};
  settings.on_url = on_url;
  settings.on_body = on_body;
  settings.on_message_complete = on_done;
  return settings;
}

// The answer for a request, and whether the connection closes after it.
bool answer(int fd, const Request& r) {
  std::string conn = r.keep_alive ? "" : "Connection: close\r\n";
  auto fixed = [&](const std::string& status, const std::string& body) {
    std::string out = "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nX-Backend: test\r\n" + conn + "\r\n";
    if (!r.head) out += body;
    return send_all(fd, out);
  };
  if (r.url == "/echo") return fixed("200 OK", r.body) && r.keep_alive;
  if (r.url == "/chunked") {
    send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + conn + "\r\n");
    if (r.head) return r.keep_alive;
    for (const char* part : {"6\r\nhello \r\n", "8;ext=1\r\nchunked \r\n", "6\r\nworld\n\r\n"}) {
      send_all(fd, part);
      usleep(2000);
    }
    return send_all(fd, "0\r\nX-Trailer: t\r\n\r\n") && r.keep_alive;
  }
  if (r.url == "/close") {
    if (!r.head) send_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nread until close\n");
    return false;
  }
  if (r.url == "/204") return send_all(fd, "HTTP/1.1 204 No Content\r\n" + conn + "\r\n");
  // Framing headers on a 204 are a broken backend (RFC 9110 8.6, RFC 9112 6.1); no body follows.
  if (r.url == "/204-length") {
    return send_all(fd, "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nX-Backend: test\r\n" +
                            conn + "\r\n") &&
           r.keep_alive;
  }
  if (r.url == "/204-chunked") {
    return send_all(fd,
                    "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n" + conn + "\r\n") &&
           r.keep_alive;
  }
  if (r.url == "/304") {
    return send_all(fd, "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n" + conn + "\r\n") &&
           r.keep_alive;
  }
  if (r.url == "/drop") return false;  // read the request, close without an answer
  if (r.url == "/malformed") {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    return false;
  }
  return fixed("200 OK", "ok\n") && r.keep_alive;
}

}  // namespace

TestUpstream::TestUpstream(Kind kind, int port) : kind_(kind) {
  listen_fd_ = listen_loopback_tcp(port, 128, SOCK_CLOEXEC, &port_);
  if (listen_fd_ < 0) return;
  if (kind_ == Kind::kAnswer) acceptor_ = std::thread([this] { accept_loop(); });
}

TestUpstream::~TestUpstream() {
  stop();
}

void TestUpstream::stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  close_idle_connections();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

std::string TestUpstream::received() {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

void TestUpstream::close_idle_connections() {
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : conn_fds_) shutdown(fd, SHUT_RDWR);
}

void TestUpstream::accept_loop() {
  while (!stopping_) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    conn_fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void TestUpstream::serve(int fd) {
  static const http_parser_settings settings = request_callbacks();
  http_parser parser;
  Request req;
  auto next_request = [&] {
    req = Request{};
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = &req;
  };
  next_request();
  char buf[65536];
  bool open = true;
  while (open && !stopping_) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      received_.append(buf, static_cast<size_t>(n));
    }
    size_t off = 0;
    while (open && off < static_cast<size_t>(n)) {
      size_t used =
          http_parser_execute(&parser, &settings, buf + off, static_cast<size_t>(n) - off);
      off += used;
      if (HTTP_PARSER_ERRNO(&parser) == HPE_PAUSED) {
        ++requests_;
        open = answer(fd, req);
        next_request();
      } else if (HTTP_PARSER_ERRNO(&parser) != HPE_OK) {
        open = false;
      } else {
        break;
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  conn_fds_.erase(std::remove(conn_fds_.begin(), conn_fds_.end(), fd), conn_fds_.end());
  close(fd);
}

}  // namespace percore::test
