// Proxy mode end to end: framing both ways, pipelining, keep-alive, hop-by-hop headers, and the
// failure semantics (502, 504, stale pooled connections, passive health), against backends
// started by the test.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/nginx_process.h"
#include "tests/support/process.h"
#include "tests/support/proxy_fixture.h"
#include "tests/support/proxy_helpers.h"
#include "tests/support/server_process.h"
#include "tests/support/test_upstream.h"

namespace percore::test {
namespace {

class ServerProxy : public ProxyTest {};

TEST_P(ServerProxy, ForwardsStatusBodyAndKeepsBothSidesAlive) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  for (int i = 0; i < 5; ++i) {
    Response r = roundtrip(fd, "GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok\n");
    EXPECT_TRUE(r.keep_alive);
  }
  close(fd);
  EXPECT_EQ(backend.requests(), 5u);
  EXPECT_EQ(backend.connections(), 1u);  // the pooled connection carried all five
  std::string m = proxy_.metrics();
  EXPECT_EQ(metric_sum(m, "percore_backend_pool_reuses_total"), 4);
  EXPECT_EQ(backend_metric(m, "percore_backend_requests_total", backend.address()), 5);
}

TEST_P(ServerProxy, ModeProxySelectsProxyModeLikeXAlone) {
  TestUpstream backend;
  start({backend.address()}, {"-k", "--mode", "proxy"});
  int fd = connect();
  Response r = roundtrip(fd, "GET /m HTTP/1.1\r\nHost: t\r\n\r\n");
  close(fd);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");  // the upstream's answer, not the HTTP mode's greeting
  EXPECT_EQ(backend.requests(), 1u);
}

TEST_P(ServerProxy, RemovesHopByHopHeadersAndAppendsForwardedFor) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  Response r = roundtrip(fd,
                         "GET /h HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, X-Hop\r\n"
                         "X-Hop: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                         "Proxy-Connection: keep-alive\r\nUpgrade: h2c\r\nTrailer: X-T\r\n"
                         "X-Forwarded-For: 10.1.2.3\r\nX-Keep: yes\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  close(fd);
  std::string got = backend.received();
  EXPECT_NE(got.find("GET /h HTTP/1.1\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("X-Forwarded-For: 10.1.2.3, 127.0.0.1\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("X-Keep: yes\r\n"), std::string::npos) << got;
  for (const char* gone :
       {"X-Hop", "Keep-Alive:", "TE:", "Proxy-Connection", "Upgrade", "Trailer:", "Connection:"}) {
    EXPECT_EQ(got.find(gone), std::string::npos) << gone << " in " << got;
  }
}

// A 1.0 client stays 1.0 towards the backend (so it never gets chunked) and keeps its
// connection only when it asks for keep-alive.
TEST_P(ServerProxy, Http10ClientKeepAliveOnlyWhenAsked) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  Response r = roundtrip(fd, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.keep_alive);
  ASSERT_TRUE(send_all(fd, "GET /b HTTP/1.0\r\n\r\n"));
  bool closed = false;
  auto rs = read_responses(fd, 1, 5000, false, &closed);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_FALSE(rs[0].keep_alive);
  EXPECT_TRUE(closed || wait_closed(fd, 3000));
  close(fd);
  std::string got = backend.received();
  EXPECT_NE(got.find("GET /a HTTP/1.0\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("Connection: keep-alive\r\n"), std::string::npos) << got;
  EXPECT_EQ(backend.connections(), 1u);  // the backend side stayed pooled throughout
}

TEST_P(ServerProxy, PipelinedRequestsAnsweredInOrder) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  std::string batch;
  for (int i = 0; i < 30; ++i) {
    std::string body = "body-" + std::to_string(i);
    if (i % 3 == 0) {
      batch += "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n";
    } else {
      batch += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n\r\n" + body;
    }
  }
  ASSERT_TRUE(send_all(fd, batch));
  auto rs = read_responses(fd, 30, 10000);
  ASSERT_EQ(rs.size(), 30u);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(rs[i].status, 200);
    EXPECT_EQ(rs[i].body, i % 3 == 0 ? "ok\n" : "body-" + std::to_string(i)) << i;
  }
  close(fd);
}

// Requests already received when the client half-closes are all answered, in order, before
// the connection ends (nginx and HAProxy do the same); only the last answer says close.
TEST_P(ServerProxy, PipelinedRequestsBeforeHalfCloseAllAnswered) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  std::string batch;
  for (int i = 0; i < 3; ++i) batch += "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  batch += "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nlast";
  ASSERT_TRUE(send_all(fd, batch));
  ASSERT_EQ(shutdown(fd, SHUT_WR), 0);
  bool closed = false;
  auto rs = read_responses(fd, 5, 8000, false, &closed);
  ASSERT_EQ(rs.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rs[i].status, 200) << i;
    EXPECT_EQ(rs[i].body, "ok\n") << i;
  }
  EXPECT_EQ(rs[3].body, "last");
  EXPECT_FALSE(rs[3].keep_alive);
  EXPECT_TRUE(closed);
  close(fd);
  EXPECT_EQ(backend.requests(), 4u);
}

TEST_P(ServerProxy, ChunkedRequestAndResponseBodies) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  Response r = roundtrip(fd, "GET /chunked HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello chunked world\n");
  EXPECT_TRUE(r.keep_alive);
  r = roundtrip(fd,
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5;name=x\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: dropped\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello, world");
  close(fd);
  std::string got = backend.received();
  EXPECT_NE(got.find("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("name=x"), std::string::npos) << "chunk extensions are not forwarded";
}

// Large bodies both ways, back to back on one connection: on io_uring the response bodies go to
// the client straight out of the upstream's receive buffers (lent), which must neither lose,
// reorder nor reuse a byte before it is sent.
TEST_P(ServerProxy, LargeBodiesArriveIntactOnAKeptAliveConnection) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  for (int i = 0; i < 4; ++i) {
    std::string body((1 << 20) + i * 4099, '\0');
    for (size_t j = 0; j < body.size(); ++j) body[j] = static_cast<char>('a' + (j * 7 + i) % 26);
    Response r = roundtrip(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.body.size(), body.size()) << i;
    EXPECT_TRUE(r.body == body) << "response body " << i << " differs";
    EXPECT_TRUE(r.keep_alive) << i;
  }
  close(fd);
  EXPECT_EQ(backend.connections(), 1u);
}

TEST_P(ServerProxy, HeadAnd204And304HaveNoBody) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  Response r = roundtrip(fd, "HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n", true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  // If the proxy had waited for a body after HEAD/204/304, these would hang or misparse.
  r = roundtrip(fd, "GET /204 HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 204);
  r = roundtrip(fd, "GET /304 HTTP/1.1\r\nHost: t\r\n\r\n", true);
  EXPECT_EQ(r.status, 304);
  r = roundtrip(fd, "GET /after HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  close(fd);
}

TEST_P(ServerProxy, ReadUntilCloseResponseClosesClient) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  ASSERT_TRUE(send_all(fd, "GET /close HTTP/1.1\r\nHost: t\r\n\r\n"));
  bool closed = false;
  auto rs = read_responses(fd, 1, 5000, false, &closed);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "read until close\n");
  EXPECT_FALSE(rs[0].keep_alive);
  EXPECT_TRUE(wait_closed(fd, 3000));
  close(fd);
}

TEST_P(ServerProxy, WithoutKeepAliveFlagClientIsClosedButBackendPooled) {
  TestUpstream backend;
  start({backend.address()}, {});
  for (int i = 0; i < 3; ++i) {
    int fd = connect();
    ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto rs = read_responses(fd, 1, 5000);
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_FALSE(rs[0].keep_alive);
    EXPECT_TRUE(wait_closed(fd, 3000));
    close(fd);
  }
  EXPECT_EQ(backend.connections(), 1u);
}

TEST_P(ServerProxy, NoBackendAnswers502AtOnceAndKeepsConnection) {
  int dead = free_port();
  start({"127.0.0.1:" + std::to_string(dead)});
  int fd = connect();
  auto t0 = std::chrono::steady_clock::now();
  Response r = roundtrip(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 502);
  EXPECT_LT(ms_since(t0), 1000);
  EXPECT_TRUE(r.keep_alive);
  r = roundtrip(fd, "GET /again HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 502);
  close(fd);
  EXPECT_GE(metric_sum(proxy_.metrics(), "percore_proxy_502_total"), 2);
}

TEST_P(ServerProxy, SilentBackendAnswers504AfterTimeout) {
  TestUpstream silent(TestUpstream::Kind::kSilent);
  start({silent.address()}, {"-k", "--backend-timeout", "1"});
  int fd = connect();
  auto t0 = std::chrono::steady_clock::now();
  Response r = roundtrip(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 504);
  EXPECT_GE(ms_since(t0), 900);
  EXPECT_LT(ms_since(t0), 5000);
  EXPECT_TRUE(r.keep_alive);
  close(fd);
  EXPECT_EQ(metric_sum(proxy_.metrics(), "percore_proxy_504_total"), 1);
}

TEST_P(ServerProxy, MalformedBackendResponseIs502) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  Response r = roundtrip(fd, "GET /malformed HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 502);
  r = roundtrip(fd, "GET /fine HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  close(fd);
}

TEST_P(ServerProxy, PooledConnectionClosedByBackendIsNeverA502) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  for (int i = 0; i < 5; ++i) {
    Response r = roundtrip(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(r.status, 200) << i;
    backend.close_idle_connections();  // the backend's idle timeout, between our requests
    usleep(i % 2 == 0 ? 50000 : 0);    // noticed while idle, or only when reused
  }
  close(fd);
  EXPECT_EQ(metric_sum(proxy_.metrics(), "percore_proxy_502_total"), 0);
}

// GET is retried once on a fresh connection when a pooled one dies without an answer; POST is
// not: the backend sees it exactly once.
TEST_P(ServerProxy, SentNonIdempotentRequestIsNotRetried) {
  TestUpstream backend;
  int fd = start_and_connect(backend);
  ASSERT_EQ(roundtrip(fd, "GET /warm HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
  Response r = roundtrip(fd, "POST /drop HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(r.status, 502);
  close(fd);
  fd = connect();
  ASSERT_EQ(roundtrip(fd, "GET /warm HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
  r = roundtrip(fd, "GET /drop HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 502);
  close(fd);
  std::string got = backend.received();
  size_t posts = 0, gets = 0;
  for (size_t at = 0; (at = got.find("POST /drop", at)) != std::string::npos; ++at) ++posts;
  for (size_t at = 0; (at = got.find("GET /drop", at)) != std::string::npos; ++at) ++gets;
  EXPECT_EQ(posts, 1u);
  EXPECT_EQ(gets, 2u);  // the retry on a fresh connection, then 502
}

TEST_P(ServerProxy, TwoBackendsBothReceiveTraffic) {
  TestUpstream a, b;
  start({a.address(), b.address()});
  int fd = connect();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(roundtrip(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
  }
  close(fd);
  EXPECT_EQ(a.requests(), 10u);
  EXPECT_EQ(b.requests(), 10u);
}

TEST_P(ServerProxy, LeastConnSpreadsLoad) {
  TestUpstream a, b;
  start({a.address(), b.address()}, {"-k", "--balance", "least-conn"});
  int fd = connect();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(roundtrip(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
  }
  close(fd);
  EXPECT_GT(a.requests(), 0u);
  EXPECT_GT(b.requests(), 0u);
}

TEST_P(ServerProxy, DeadBackendSkippedThenUsedAgainWhenBack) {
  TestUpstream live;
  int port = free_port();
  start({"127.0.0.1:" + std::to_string(port), live.address()});
  int fd = connect();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(roundtrip(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n").status, 200) << i;
  }
  EXPECT_EQ(live.requests(), 10u);
  TestUpstream back(TestUpstream::Kind::kAnswer, port);
  ASSERT_GT(back.port(), 0);
  usleep(4'500'000);  // past the out-of-rotation period
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(roundtrip(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n").status, 200) << i;
  }
  close(fd);
  EXPECT_GT(back.requests(), 0u);
  std::string log = proxy_.log_text();
  EXPECT_NE(log.find("out of rotation"), std::string::npos) << log;
  EXPECT_NE(log.find("back in rotation"), std::string::npos) << log;
}

TEST_P(ServerProxy, BadProxyFlagsExitWithUsageError) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--balance", "random"},
                                        {"--backend-timeout", "0"},
                                        {"--backend-conns", "-1"}}) {
    std::vector<std::string> argv = {PERCORE_SERVER_BIN, "-x", "127.0.0.1:1"};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv);
    int status = p.wait_exit(5000);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << args[0];
  }
}

PERCORE_ON_EVERY_BACKEND(ServerProxy);

}  // namespace
}  // namespace percore::test
