#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <sstream>

#include "tests/support/process.h"

namespace percore::test {
namespace {

struct ParseState {
  std::vector<Response> done;
  Response current;
};

int on_body(http_parser* p, const char* at, size_t len) {
  static_cast<ParseState*>(p->data)->current.body.append(at, len);
  return 0;
}

int on_complete(http_parser* p) {
  auto* st = static_cast<ParseState*>(p->data);
  st->current.status = static_cast<int>(p->status_code);
  st->current.keep_alive = http_should_keep_alive(p) != 0;
  st->done.push_back(std::move(st->current));
  st->current = Response{};
  return 0;
}

int on_headers_head(http_parser*) {
  return 1;
}  // a response to HEAD has no body

// One read of what arrives before deadline_ms: bytes (> 0), 0 when the peer closed or reset,
// -1 when the deadline passed first. Interruptions are retried.
ssize_t recv_by(int fd, char* buf, size_t len, int64_t deadline_ms) {
  while (true) {
    int64_t left = deadline_ms - now_ms();
    if (left <= 0) return -1;
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return -1;
    ssize_t n = recv(fd, buf, len, 0);
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? 0 : n;
  }
}

}  // namespace

int connect_loopback(int port, int rcvbuf) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::vector<Response> read_responses(int fd, size_t count, int timeout_ms, bool head,
                                     bool* closed) {
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  ParseState st;
  parser.data = &st;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_body = on_body;
  settings.on_message_complete = on_complete;
  if (head) settings.on_headers_complete = on_headers_head;
  if (closed) *closed = false;
  int64_t deadline = now_ms() + timeout_ms;
  char buf[16384];
  while (st.done.size() < count) {
    ssize_t n = recv_by(fd, buf, sizeof(buf), deadline);
    if (n < 0) break;
    if (n == 0) {
      http_parser_execute(&parser, &settings, nullptr, 0);  // EOF ends a read-until-close body
      if (closed) *closed = true;
      break;
    }
    http_parser_execute(&parser, &settings, buf, static_cast<size_t>(n));
    if (HTTP_PARSER_ERRNO(&parser) != HPE_OK) break;
  }
  return std::move(st.done);
}

Response read_one(int fd, int timeout_ms) {
  std::vector<Response> r = read_responses(fd, 1, timeout_ms);
  EXPECT_EQ(r.size(), 1u) << "responses within " << timeout_ms << " ms";
  return r.size() == 1 ? r[0] : Response{};
}

std::string read_raw_head(int fd, int timeout_ms, int settle_ms) {
  std::string got;
  int64_t deadline = now_ms() + timeout_ms;
  bool head_done = false;
  char buf[4096];
  while (true) {
    ssize_t n = recv_by(fd, buf, sizeof(buf), deadline);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    if (!head_done && got.find("\r\n\r\n") != std::string::npos) {
      head_done = true;
      deadline = now_ms() + settle_ms;  // then only wait for stray bytes
    }
  }
  return head_done ? got : std::string();
}

bool wait_closed(int fd, int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  char buf[4096];
  ssize_t n;
  while ((n = recv_by(fd, buf, sizeof(buf), deadline)) > 0) {
  }
  return n == 0;
}

Response http_get(int port, const std::string& path) {
  int fd = connect_loopback(port);
  if (fd < 0) return {};
  send_all(fd, "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  std::vector<Response> r = read_responses(fd, 1, 5000);
  close(fd);
  return r.empty() ? Response{} : r.front();
}

long long metric_sum(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  long long sum = -1;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0) continue;
    size_t space = line.rfind(' ');
    sum = (sum < 0 ? 0 : sum) + std::atoll(line.c_str() + space + 1);
  }
  return sum;
}

long long metric_value(const std::string& text, const std::string& name,
                       const std::string& worker) {
  std::istringstream in(text);
  std::string line;
  std::string prefix = name + "{worker=\"" + worker + "\"";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    return std::atoll(line.c_str() + line.rfind(' ') + 1);
  }
  return -1;
}

}  // namespace percore::test
