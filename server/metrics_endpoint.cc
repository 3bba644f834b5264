#include "server/metrics_endpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/stats/prometheus.h"

namespace percore::server {
namespace {

constexpr int kMaxPerCall = 16;

void set_timeouts(int fd) {
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool read_request_head(int fd, std::string* head) {
  char buf[1024];
  while (head->find("\r\n\r\n") == std::string::npos && head->size() < 8192) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    head->append(buf, static_cast<size_t>(n));
  }
  return true;
}

void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

MetricsEndpoint::~MetricsEndpoint() {
  close_listener();
}

int MetricsEndpoint::open(const net::Address& addr) {
  fd_ = socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return -errno;
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd_, addr.sa(), addr.len) < 0 || listen(fd_, 64) < 0) {
    int err = errno;
    close_listener();
    return -err;
  }
  return 0;
}

void MetricsEndpoint::close_listener() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void MetricsEndpoint::serve_pending(const stats::WorkerSlots& slots) {
  for (int i = 0; i < kMaxPerCall; ++i) {
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    set_timeouts(c);
    std::string head;
    if (read_request_head(c, &head)) {
      bool metrics = head.rfind("GET /metrics ", 0) == 0 || head.rfind("GET /metrics?", 0) == 0;
      std::string body =
          metrics ? stats::render_prometheus(slots, upstream_names_) : "not found: try /metrics\n";
      write_all(c, fmt::format("HTTP/1.1 {}\r\nContent-Type: text/plain; version=0.0.4\r\n"
                               "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                               metrics ? "200 OK" : "404 Not Found", body.size(), body));
    }
    ::close(c);
  }
}

}  // namespace percore::server
