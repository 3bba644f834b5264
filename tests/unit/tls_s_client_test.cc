// The server engine over a real loopback socket, answered by `openssl s_client`: a request and
// its answer, then a second run that resumes the first one's session ("Reused").
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include "tests/unit/tls_pair.h"

namespace percore::tls::test {
namespace {

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void flush(Connection& c, int fd) {
  std::string_view out = c.take_output();
  if (!out.empty()) {
    EXPECT_TRUE(send_all(fd, out));
  }
  c.output_sent();
}

// Serves one connection: reads a request head, answers "hello", closes with close_notify.
// Returns the handshake's info as "resumed" or "full", or the failure's name.
std::string serve_one(int listener, const ServerContext& ctx) {
  pollfd p{listener, POLLIN, 0};
  if (poll(&p, 1, 10'000) != 1) return "no connection";
  int fd = accept(listener, nullptr, nullptr);
  if (fd < 0) return "accept failed";
  Connection conn;
  EXPECT_TRUE(conn.accept(ctx));
  std::string request, outcome = "unfinished";
  char buf[16384];
  bool answered = false;
  while (!answered) {
    pollfd q{fd, POLLIN, 0};
    if (poll(&q, 1, 10'000) != 1) break;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    Step step = n > 0 ? conn.feed(buf, static_cast<size_t>(n)) : conn.feed_eof();
    if (step == Step::kHandshakeDone) outcome = conn.info().resumed ? "resumed" : "full";
    long got = 0;
    while ((got = conn.read(buf, sizeof(buf))) > 0) request.append(buf, static_cast<size_t>(got));
    if (request.find("\r\n\r\n") != std::string::npos) {
      std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
      iovec iov{answer.data(), answer.size()};
      EXPECT_TRUE(conn.write(&iov, 1));
      conn.shutdown();
      answered = true;
    }
    flush(conn, fd);
    if (conn.state() == State::kFailed) outcome = failure_name(conn.failure());
    if (conn.state() == State::kFailed || (n <= 0 && !answered)) break;
  }
  close(fd);
  return outcome;
}

std::string read_pipe(FILE* f) {
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  return out;
}

TEST(TlsSClient, RequestAnswerAndResumption) {
  if (run("openssl version") != 0) GTEST_SKIP() << "no openssl command";
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  auto ctx = server_context();
  TempDir dir;
  std::string port = std::to_string(ntohs(addr.sin_port));
  std::string base =
      "printf 'GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n' | timeout 20 openssl s_client "
      "-connect 127.0.0.1:" +
      port + " -alpn http/1.1 -ign_eof ";
  FILE* first = popen((base + "-sess_out " + dir.path("sess") + " 2>&1").c_str(), "r");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(serve_one(listener, *ctx), "full");
  std::string out1 = read_pipe(first);
  pclose(first);
  EXPECT_NE(out1.find("hello"), std::string::npos) << out1;
  EXPECT_NE(out1.find("ALPN protocol: http/1.1"), std::string::npos) << out1;
  FILE* second = popen((base + "-sess_in " + dir.path("sess") + " 2>&1").c_str(), "r");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(serve_one(listener, *ctx), "resumed");
  std::string out2 = read_pipe(second);
  pclose(second);
  EXPECT_NE(out2.find("Reused"), std::string::npos) << out2;
  EXPECT_NE(out2.find("hello"), std::string::npos) << out2;
  close(listener);
}

}  // namespace
}  // namespace percore::tls::test
