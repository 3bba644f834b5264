// HTTP server mode: Expect: 100-continue, a stalled body, and the request rules beyond the head's
// grammar (Host, chunk framing, versions, CONNECT, long request lines), over raw sockets.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

// Whatever arrives within timeout_ms, until `until` is in it or the peer closes.
std::string read_raw(int fd, int timeout_ms, const std::string& until) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (got.find(until) == std::string::npos) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) break;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

class ServerHttpStrict : public BackendTest {
 protected:
  int connect() {
    int fd = connect_loopback(server_.port);
    EXPECT_GE(fd, 0);
    return fd;
  }
  // The whole answer to `request` on a fresh connection (the server closes after an error).
  std::string answer_to(const std::string& request, const std::string& until = "\r\n\r\n") {
    int fd = connect();
    EXPECT_TRUE(send_all(fd, request));
    std::string got = read_raw(fd, 5000, until);
    close(fd);
    return got;
  }
  // Sends a head that asks for 100-continue; the 100 must come before the body is sent (curl
  // waits 1 s for it before sending the body anyway: it must come well before), and the body
  // then gets its 200.
  void continue_then_body(int fd, const std::string& head, const std::string& body) {
    ASSERT_TRUE(send_all(fd, head));
    EXPECT_EQ(read_raw(fd, 500, "\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
    ASSERT_TRUE(send_all(fd, body));
    EXPECT_EQ(read_one(fd, 5000).status, 200);
  }
};

std::string status_line(const std::string& answer) {
  return answer.substr(0, answer.find("\r\n"));
}

TEST_P(ServerHttpStrict, ExpectContinueGets100BeforeTheBodyIsSent) {
  start({"-k"});
  int fd = connect();
  continue_then_body(fd,
                     "POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-Continue\r\n"
                     "Content-Length: 5\r\n\r\n",
                     "hello");
  // The body sent along with the head: nothing to ask for, so no 100. Nor for a bodiless
  // request, nor in HTTP/1.0, where Expect means nothing.
  for (const char* request :
       {"POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
        "GET / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n",
        "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
        "POST / HTTP/1.0\r\nExpect: whatever\r\nContent-Length: 2\r\n\r\nhi"}) {
    EXPECT_EQ(status_line(answer_to(request)), "HTTP/1.1 200 OK") << request;
  }
  close(fd);
}

TEST_P(ServerHttpStrict, ChunkedBodyAfterExpectContinue) {
  start({"-k"});
  int fd = connect();
  continue_then_body(fd,
                     "POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n",
                     "3\r\nabc\r\n0\r\n\r\n");
  close(fd);
}

TEST_P(ServerHttpStrict, UnknownExpectationGets417) {
  start({"-k"});
  std::string got =
      answer_to("POST / HTTP/1.1\r\nHost: t\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_EQ(status_line(got), "HTTP/1.1 417 Expectation Failed") << got;
}

// A body that stops coming is answered 408, as a head that stops is, before the close.
TEST_P(ServerHttpStrict, StalledBodyGets408) {
  start({"-k", "--header-timeout", "1", "--idle-timeout", "3"});
  int fd = connect();
  auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(send_all(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  bool closed = false;
  auto r = read_responses(fd, 1, 4000, false, &closed);
  auto waited = std::chrono::steady_clock::now() - began;
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 408);
  EXPECT_LT(waited, std::chrono::milliseconds(2500)) << "not the header timeout";
  EXPECT_TRUE(closed || wait_closed(fd, 4000));
  close(fd);
}

// A body that keeps coming is not cut by --header-timeout: the timeout runs between reads.
TEST_P(ServerHttpStrict, SlowButSteadyBodyIsAnswered) {
  start({"-k", "--header-timeout", "1"});
  int fd = connect();
  ASSERT_TRUE(send_all(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n"));
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    ASSERT_TRUE(send_all(fd, "b"));
  }
  Response r = read_one(fd, 3000);
  EXPECT_EQ(r.status, 200);
  close(fd);
}

TEST_P(ServerHttpStrict, RequestRules) {
  start({"-k", "--max-header-size", "1024"});
  struct Case {
    std::string request;
    std::string status_line;
  };
  std::string long_url = "/" + std::string(2000, 'u');
  for (const Case& k : std::vector<Case>{
           {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request"},
           {"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "HTTP/1.1 400 Bad Request"},
           {"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
            "HTTP/1.1 400 Bad Request"},
           {"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
            "chunked\r\n\r\n5\r\nhello\rX0\r\n\r\n",
            "HTTP/1.1 400 Bad Request"},
           {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"},
           {"GET " + long_url + " HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 414 URI Too Long"},
           {"GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(2000, 'x') + "\r\n\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large"},
           {"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            "HTTP/1.1 405 Method Not Allowed"},
           // RFC 9110 6.2: a higher minor version is answered as 1.1.
           {"GET / HTTP/1.2\r\nHost: t\r\n\r\n", "HTTP/1.1 200 OK"},
           {"GET / HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK"},
           {"GET / HTTP/1.1\r\nHOST: t\r\nX-Empty:\r\n\r\n", "HTTP/1.1 200 OK"},
           {"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
            "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK"}}) {
    std::string got = answer_to(k.request);
    EXPECT_EQ(status_line(got), k.status_line) << k.request.substr(0, 80);
    if (k.status_line.find("405") != std::string::npos) {
      EXPECT_NE(got.find("\r\nAllow: GET, HEAD"), std::string::npos) << got;
    }
  }
}

// The chunk's CRLF may arrive split over reads: it is checked across them.
TEST_P(ServerHttpStrict, ChunkCrlfSplitOverReads) {
  start({"-k"});
  for (auto [tail, status] :
       std::vector<std::pair<std::string, int>>{{"\n0\r\n\r\n", 200}, {"X0\r\n\r\n", 400}}) {
    int fd = connect();
    ASSERT_TRUE(send_all(fd, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
    ASSERT_TRUE(send_all(fd, "5\r\nhello"));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ASSERT_TRUE(send_all(fd, "\r"));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ASSERT_TRUE(send_all(fd, tail));
    Response r = read_one(fd, 5000);
    EXPECT_EQ(r.status, status) << tail;
    close(fd);
  }
}

// -d logs each refused request with the peer and the parser's reason.
TEST_P(ServerHttpStrict, DebugLogsRefusedRequestsWithPeerAndReason) {
  start({"-k", "-d"});
  answer_to("GET / HTTP/1.1\r\n\r\n");
  answer_to("GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n");
  EXPECT_EQ(status_line(answer_to("GET / HTTP/1.1\r\nHost: t\r\n\r\n")), "HTTP/1.1 200 OK");
  std::string log;
  for (int i = 0; i < 50; ++i) {
    log = server_.log_text();
    if (log.find("whitespace between") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(log.find("400 from 127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find("HTTP/1.1 request without Host"), std::string::npos) << log;
  EXPECT_NE(log.find("whitespace between header name and colon"), std::string::npos) << log;
}

PERCORE_ON_EVERY_BACKEND(ServerHttpStrict);

}  // namespace
}  // namespace percore::test
