// HTTP server mode over raw sockets: framing, pipelining, bodies, errors and timeouts.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <thread>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

class ServerHttp : public BackendTest {
 protected:
  int connect() {
    int fd = connect_loopback(server_.port);
    EXPECT_GE(fd, 0);
    return fd;
  }
};

TEST_P(ServerHttp, RequestSentByteByByte) {
  start({"-k"});
  int fd = connect();
  std::string req = "GET /byte/by/byte HTTP/1.1\r\nHost: t\r\nUser-Agent: slow\r\n\r\n";
  for (char ch : req) {
    ASSERT_TRUE(send_all(fd, std::string(1, ch)));
    usleep(500);
  }
  Response r = read_one(fd, 5000);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Hello from percore\n");
  close(fd);
}

// GET and HEAD alternate, so the byte stream proves the answers come back in request order.
TEST_P(ServerHttp, HundredPipelinedRequestsAnsweredInOrder) {
  start({"-k"});
  int fd = connect();
  std::string batch;
  for (int i = 0; i < 100; ++i)
    batch += (i % 3 == 2 ? "HEAD" : "GET") + std::string(" /") + std::to_string(i) +
             " HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(send_all(fd, batch));
  std::string got;
  char buf[65536];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    if (std::count(got.begin(), got.end(), '\n') >= 100 * 7 + 67) break;
  }
  std::string normalized;
  for (size_t pos = 0; pos < got.size();) {
    size_t eol = got.find("\r\n", pos);
    size_t end = eol == std::string::npos ? got.size() : eol + 2;
    if (got.compare(pos, 6, "Date: ") != 0) normalized.append(got, pos, end - pos);
    pos = end;
  }
  std::string head =
      "HTTP/1.1 200 OK\r\nServer: percore\r\nContent-Type: text/plain\r\n"
      "Content-Length: 19\r\nConnection: keep-alive\r\n\r\n";
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += head + (i % 3 == 2 ? "" : "Hello from percore\n");
  EXPECT_EQ(normalized, expected);
  close(fd);
}

TEST_P(ServerHttp, ChunkedAndContentLengthBodiesAreReadAndDiscarded) {
  start({"-k"});
  int fd = connect();
  ASSERT_TRUE(send_all(fd, "POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(send_all(fd, "5\r\nhello\r\n"));
  usleep(20000);
  ASSERT_TRUE(send_all(fd, "6\r\n world\r\n0\r\n\r\n"));
  std::string body(100000, 'b');
  ASSERT_TRUE(send_all(fd, "PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + body +
                               "GET /after HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = read_responses(fd, 3, 5000);
  ASSERT_EQ(r.size(), 3u);
  for (const Response& resp : r) EXPECT_EQ(resp.status, 200);
  close(fd);
}

TEST_P(ServerHttp, MalformedRequestGets400AndClose) {
  start({"-k"});
  int fd = connect();
  ASSERT_TRUE(send_all(fd, "GARBAGE\x01 / HTTP/1.1\r\n\r\n"));
  bool closed = false;
  auto r = read_responses(fd, 2, 5000, false, &closed);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 400);
  EXPECT_TRUE(closed || wait_closed(fd, 3000));
  close(fd);
  // Nothing else was disturbed.
  EXPECT_EQ(http_get(server_.port, "/").status, 200);
}

TEST_P(ServerHttp, OversizedHeadersGet431AndClose) {
  start({"-k"});
  int fd = connect();
  std::string big(9000, 'a');
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + big + "\r\n\r\n"));
  Response r = read_one(fd, 5000);
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(wait_closed(fd, 3000));
  close(fd);
}

TEST_P(ServerHttp, UnsupportedVersionGets505) {
  start({"-k"});
  int fd = connect();
  ASSERT_TRUE(send_all(fd, "GET / HTTP/2.0\r\nHost: t\r\n\r\n"));
  Response r = read_one(fd, 5000);
  EXPECT_EQ(r.status, 505);
  close(fd);
}

TEST_P(ServerHttp, WithoutKeepAliveFlagAnswersThenCloses) {
  start({});
  int fd = connect();
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  bool closed = false;
  Response r = read_one(fd, 5000);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(wait_closed(fd, 3000));
  (void)closed;
  close(fd);
}

TEST_P(ServerHttp, Http10KeepsAliveOnlyWhenAsked) {
  start({"-k"});
  int fd = connect();
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  Response r = read_one(fd, 5000);
  EXPECT_TRUE(r.keep_alive);
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.0\r\n\r\n"));
  r = read_one(fd, 5000);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(wait_closed(fd, 3000));
  close(fd);
}

TEST_P(ServerHttp, IdleKeepAliveConnectionClosedAfterTimeout) {
  start({"-k", "--idle-timeout", "1"});
  int fd = connect();
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(read_responses(fd, 1, 5000).size(), 1u);
  EXPECT_FALSE(wait_closed(fd, 500)) << "closed before the idle timeout";
  EXPECT_TRUE(wait_closed(fd, 2500)) << "still open well after the idle timeout";
  close(fd);
  EXPECT_GE(metric_sum(server_.metrics(), "percore_timeouts_total"), 1);
}

TEST_P(ServerHttp, SlowHeaderIsCutOffWith408) {
  start({"-k", "--header-timeout", "1"});
  int fd = connect();
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\n"));
  std::string got;
  // Keep trickling header bytes: the deadline must not move.
  for (int i = 0; i < 15; ++i) {
    if (!send_all(fd, "X")) break;
    usleep(200000);
  }
  Response r = read_one(fd, 3000);
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(wait_closed(fd, 3000));
  close(fd);
}

PERCORE_ON_EVERY_BACKEND(ServerHttp);

}  // namespace
}  // namespace percore::test
