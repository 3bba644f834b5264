// The request rules both HTTP modes share (server and proxy): every RFC 9112 violation gets 400
// and a close, from the one check in core/http/head_scanner; and the header timeout runs from a
// request's first byte, while a connection that sent nothing yet is merely idle.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <tuple>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/nginx_process.h"
#include "tests/support/proxy_helpers.h"

namespace percore::test {
namespace {

using Param = std::tuple<std::string, std::string>;  // mode (http, proxy), backend

class RequestHeadCheck : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(io());
    if (!why.empty()) GTEST_SKIP() << why;
  }
  const std::string& mode() const { return std::get<0>(GetParam()); }
  const std::string& io() const { return std::get<1>(GetParam()); }
  void start(std::vector<std::string> extra) {
    extra.insert(extra.end(), {"-k", "-w", "1"});
    if (mode() == "proxy") {
      int port = free_port();
      upstream_ = start_http_backend(port);
      ASSERT_NE(upstream_->wait_for_line("percore: ready", 10000), "");
      server_ = start_proxy(io(), {"127.0.0.1:" + std::to_string(port)}, extra);
    } else {
      server_ = start_server(io(), extra);
    }
    ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  }
  // Sends `request` on a fresh connection: the status of the one answer, and whether the server
  // then closed.
  std::pair<int, bool> answer_to(const std::string& request) {
    int fd = connect_loopback(server_.port);
    EXPECT_GE(fd, 0);
    EXPECT_TRUE(send_all(fd, request));
    bool closed = false;
    auto r = read_responses(fd, 1, 5000, false, &closed);
    if (!closed) closed = wait_closed(fd, 3000);
    close(fd);
    return {r.empty() ? 0 : r[0].status, closed};
  }
  std::unique_ptr<Process> upstream_;
  ServerProcess server_;
};

TEST_P(RequestHeadCheck, EveryGrammarViolationIs400AndClose) {
  start({});
  ASSERT_EQ(answer_to("GET / HTTP/1.1\r\nHost: x\r\n\r\n").first, 200);
  for (const char* bad : {
           "GET / HTTP/1.1\r\nHo st: x\r\n\r\n",
           "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: x\r\nX(y): z\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01z\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: x\r\nX: a\x7fz\r\n\r\n",
           "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
           "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
           "GET / HTTP/1.1\nHost: x\n\n",
       }) {
    auto [status, closed] = answer_to(bad);
    EXPECT_EQ(status, 400) << bad;
    EXPECT_TRUE(closed) << bad;
  }
  // A bad head pipelined after a good request: the first is answered, the second refused.
  int fd = connect_loopback(server_.port);
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHo st: x\r\n\r\n"));
  bool closed = false;
  auto r = read_responses(fd, 2, 5000, false, &closed);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[1].status, 400);
  EXPECT_TRUE(closed || wait_closed(fd, 3000));
  close(fd);
}

TEST_P(RequestHeadCheck, HeaderTimeoutRunsFromTheFirstByteOnly) {
  start({"--header-timeout", "1", "--idle-timeout", "3"});
  int silent = connect_loopback(server_.port);
  int started = connect_loopback(server_.port);
  ASSERT_GE(silent, 0);
  ASSERT_GE(started, 0);
  ASSERT_TRUE(send_all(started, "GET / HTTP/1.1\r\nHo"));
  // The started request is cut off by the header timeout (408)...
  auto r = read_responses(started, 1, 3000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 408);
  EXPECT_TRUE(wait_closed(started, 3000));
  close(started);
  // ...while the connection that sent nothing is idle: still open past the header timeout, usable,
  // and closed by the idle timeout only.
  EXPECT_FALSE(wait_closed(silent, 500))
      << "a connection with no request bytes hit the header timeout";
  ASSERT_TRUE(send_all(silent, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = read_responses(silent, 1, 3000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  close(silent);
  int idle = connect_loopback(server_.port);
  ASSERT_GE(idle, 0);
  EXPECT_FALSE(wait_closed(idle, 2000)) << "closed before the idle timeout";
  EXPECT_TRUE(wait_closed(idle, 3000)) << "still open well after the idle timeout";
  close(idle);
}

INSTANTIATE_TEST_SUITE_P(Modes, RequestHeadCheck,
                         ::testing::Combine(::testing::Values("http", "proxy"), every_backend()),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

}  // namespace
}  // namespace percore::test
