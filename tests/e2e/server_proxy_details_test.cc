// Proxy mode end to end, the finer points of what it forwards: the framing headers of bodyless
// responses (204, 304, HEAD), absolute-form request targets rewritten to origin-form, and a
// flapping backend logged as one transition rather than one line per request.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/proxy_helpers.h"
#include "tests/support/server_process.h"
#include "tests/support/test_upstream.h"

namespace percore::test {
namespace {

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) ++n;
  return n;
}

class ServerProxyDetails : public ProxyTest {
 protected:
  // The raw head the client gets for `request`; fails the test if a body follows it.
  std::string head_for(int fd, const std::string& request) {
    if (!send_all(fd, request)) return {};
    std::string got = read_raw_head(fd, 5000);
    size_t end = got.find("\r\n\r\n");
    EXPECT_NE(end, std::string::npos) << request;
    EXPECT_EQ(end + 4, got.size()) << "bytes after the head: " << got;
    return got;
  }
};

// RFC 9110 8.6 and RFC 9112 6.1: no Content-Length or Transfer-Encoding on a 204, while a 304 (and
// the answer to HEAD) may keep the Content-Length of the representation it stands for. None of
// them carries a body, and the connection stays in step for the next request.
TEST_P(ServerProxyDetails, NoContentDropsFramingHeadersNotModifiedAndHeadKeepLength) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  std::string h = head_for(fd, "GET /204-length HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(h.rfind("HTTP/1.1 204 ", 0), 0u) << h;
  EXPECT_EQ(h.find("Content-Length"), std::string::npos) << h;
  EXPECT_NE(h.find("X-Backend: test\r\n"), std::string::npos) << h;  // the rest is forwarded
  h = head_for(fd, "GET /204-chunked HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(h.rfind("HTTP/1.1 204 ", 0), 0u) << h;
  EXPECT_EQ(h.find("Transfer-Encoding"), std::string::npos) << h;
  h = head_for(fd, "GET /304 HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(h.rfind("HTTP/1.1 304 ", 0), 0u) << h;
  EXPECT_NE(h.find("Content-Length: 100\r\n"), std::string::npos) << h;
  h = head_for(fd, "HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(h.rfind("HTTP/1.1 200 ", 0), 0u) << h;
  EXPECT_NE(h.find("Content-Length: 3\r\n"), std::string::npos) << h;
  Response r = roundtrip(fd, "GET /after HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_TRUE(r.keep_alive);
  close(fd);
  EXPECT_EQ(backend.connections(), 1u);  // the backend connection was pooled after each
}

// What a client configured for a forward proxy sends: the backend gets origin-form, the query
// kept, the fragment-free path, and Host taken from the URI's authority (RFC 9112 3.2.2).
TEST_P(ServerProxyDetails, AbsoluteFormTargetGoesOnInOriginFormWithItsAuthorityAsHost) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  Response r = roundtrip(fd,
                         "GET http://example.com:8080/a/b?x=1&y=%20 HTTP/1.1\r\n"
                         "Host: stale.example\r\nX-Keep: yes\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  r = roundtrip(fd,
                "POST HTTP://Example.org HTTP/1.1\r\nHost: example.org\r\n"
                "Content-Length: 5\r\n\r\nhello");
  EXPECT_EQ(r.status, 200);
  r = roundtrip(fd, "GET http://[::1]:81?only=query HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.keep_alive);
  close(fd);
  std::string got = backend.received();
  EXPECT_NE(got.find("GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\n"),
            std::string::npos)
      << got;
  EXPECT_NE(got.find("X-Keep: yes\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("POST / HTTP/1.1\r\nHost: Example.org\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("\r\n\r\nhello"), std::string::npos) << got;
  EXPECT_NE(got.find("GET /?only=query HTTP/1.0\r\nHost: [::1]:81\r\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("stale.example"), std::string::npos) << got;
  EXPECT_EQ(count_of(got, "Host:"), 3u) << got;  // one each, never the client's and ours
  EXPECT_EQ(got.find("://"), std::string::npos) << got;
}

// A lone backend that drops every other request: each failure used to log "out of rotation" and
// each answer right after it "back in rotation", dozens of lines in a second. Now it is held out
// once, every request is still answered at once (502 or 200), and it comes back one hold later.
TEST_P(ServerProxyDetails, FlappingBackendIsLoggedOutOfRotationOnceAndStillAnswered) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(roundtrip(fd, "GET /drop HTTP/1.1\r\nHost: t\r\n\r\n").status, 502) << i;
    EXPECT_EQ(roundtrip(fd, "GET /fine HTTP/1.1\r\nHost: t\r\n\r\n").status, 200) << i;
  }
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::seconds(2));  // a backend held out is still probed, no waiting
  std::string log = proxy_.log_text();
  EXPECT_EQ(count_of(log, "out of rotation"), 1u) << log;
  EXPECT_EQ(count_of(log, "back in rotation"), 0u) << log;
  EXPECT_EQ(backend_metric(proxy_.metrics(), "percore_backend_up", backend.address()), 0);
  usleep(3'600'000);  // one hold (3 s) without failures
  EXPECT_EQ(roundtrip(fd, "GET /fine HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
  close(fd);
  log = proxy_.log_text();
  EXPECT_EQ(count_of(log, "out of rotation"), 1u) << log;
  EXPECT_EQ(count_of(log, "back in rotation"), 1u) << log;
  EXPECT_EQ(backend_metric(proxy_.metrics(), "percore_backend_up", backend.address()), 1);
}

PERCORE_ON_EVERY_BACKEND(ServerProxyDetails);

}  // namespace
}  // namespace percore::test
