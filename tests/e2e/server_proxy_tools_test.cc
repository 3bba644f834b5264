// The proxy in front of real backends (nginx, `server` in HTTP mode) driven by curl, ab and wrk:
// exact bodies, 10 MB both ways with bounded memory, and a backend killed under load.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/nginx_process.h"
#include "tests/support/proxy_helpers.h"
#include "tests/support/server_process.h"
#include "tests/support/test_upstream.h"

namespace percore::test {
namespace {

constexpr const char* kNginxLocations =
    "    location / { root $DIR/www; }\n"
    "    location = /teapot { return 418 \"short and stout\\n\"; }\n";

// The first number matched by `pattern` (one capture group) in wrk's output, 0 if absent.
long long wrk_number(const std::string& out, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(pattern))) return 0;
  return std::stoll(m[1]);
}
long long wrk_requests(const std::string& out) {
  return wrk_number(out, "(\\d+) requests in");
}

class ServerProxyTools : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    for (const char* tool : {"nginx", "curl", "ab", "wrk"}) {
      if (!have_program(tool)) GTEST_SKIP() << tool << " is not installed";
    }
  }
  void start(const std::vector<std::string>& backends, std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"-k", "-w", "1"});
    proxy_ = start_proxy(GetParam(), backends, extra);
    ASSERT_TRUE(proxy_.ok()) << proxy_.process->stderr_text();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(proxy_.port) + path;
  }
  std::unique_ptr<NginxProcess> nginx_with_files() {
    auto nginx = std::make_unique<NginxProcess>(kNginxLocations);
    if (!nginx->ok()) return nginx;
    int status = 0;
    run_command("mkdir -p " + nginx->dir() + "/www && printf 'hello from nginx\\n' > " +
                    nginx->dir() + "/www/index.html && head -c 10485760 /dev/urandom > " +
                    nginx->dir() + "/www/big.bin",
                10, &status);
    return nginx;
  }
  ServerProcess proxy_;
};

TEST_P(ServerProxyTools, CurlSeesNginxExactBodyAndStatus) {
  auto nginx = nginx_with_files();
  ASSERT_TRUE(nginx->ok()) << nginx->error_log();
  start({"127.0.0.1:" + std::to_string(nginx->port())});
  int status = 0;
  std::string out = run_command("curl -s -w ' %{http_code}' " + url("/"), 10, &status);
  EXPECT_EQ(out, "hello from nginx\n 200");
  out = run_command("curl -s -w ' %{http_code}' " + url("/teapot"), 10, &status);
  EXPECT_EQ(out, "short and stout\n 418");
  out = run_command("curl -s -o /dev/null -w '%{http_code}' " + url("/missing"), 10, &status);
  EXPECT_EQ(out, "404");
  out = run_command("curl -sI " + url("/index.html") + " | head -1", 10, &status);
  EXPECT_EQ(out.substr(0, 15), "HTTP/1.1 200 OK");
}

TEST_P(ServerProxyTools, TenMegabytesBothWaysByteForByteWithBoundedMemory) {
  auto nginx = nginx_with_files();
  ASSERT_TRUE(nginx->ok()) << nginx->error_log();
  TestUpstream echo;
  start({"127.0.0.1:" + std::to_string(nginx->port())});
  long rss_before = worker_peak_rss_kib(*proxy_.process);
  std::string got = nginx->dir() + "/got.bin";
  int status = 0;
  std::string out = run_command("curl -s -o " + got + " " + url("/big.bin") + " && cmp " + got +
                                    " " + nginx->dir() + "/www/big.bin && echo same",
                                60, &status);
  EXPECT_EQ(out, "same\n");
  // Upload through a second proxy to the echo backend, plain and chunked.
  ServerProcess up = start_proxy(GetParam(), {echo.address()}, {"-k", "-w", "1"});
  ASSERT_TRUE(up.ok());
  std::string echo_url = "http://127.0.0.1:" + std::to_string(up.port) + "/echo";
  long up_start = worker_peak_rss_kib(*up.process);
  auto upload = [&](const std::string& te) {
    return run_command("curl -s " + te + "--data-binary @" + nginx->dir() + "/www/big.bin -o " +
                           got + " " + echo_url + " && cmp " + got + " " + nginx->dir() +
                           "/www/big.bin && echo same",
                       60, &status);
  };
  // The first upload warms the worker's fixed pools (an io_uring buffer ring is 4 MiB, resident
  // once used); after that, more 10 MB uploads must not raise its peak: memory is per-connection
  // bounded, not per-body.
  EXPECT_EQ(upload(""), "same\n");
  long up_before = worker_peak_rss_kib(*up.process);
  long ring_kib = GetParam() == "uring" ? 4 * 1024 : 0;
  EXPECT_LT(up_before - up_start, 6 * 1024 + ring_kib) << up_start << " -> " << up_before;
  for (const char* te : {"", "-H 'Transfer-Encoding: chunked' "}) {
    EXPECT_EQ(upload(te), "same\n") << te;
  }
  long rss_after = worker_peak_rss_kib(*proxy_.process);
  long rss_up = worker_peak_rss_kib(*up.process);
  // 10 MB went through each proxy; bounded buffering keeps each worker's peak far below that.
  EXPECT_LT(rss_after - rss_before, 6 * 1024) << rss_before << " -> " << rss_after;
  EXPECT_LT(rss_up - up_before, 3 * 1024) << up_before << " -> " << rss_up;
}

TEST_P(ServerProxyTools, AbAndWrkThroughProxyToNginxAndServer) {
  auto nginx = nginx_with_files();
  ASSERT_TRUE(nginx->ok()) << nginx->error_log();
  int port = free_port();
  auto backend = start_http_backend(port);
  ASSERT_TRUE(backend);
  for (const std::string& b :
       {"127.0.0.1:" + std::to_string(nginx->port()), "127.0.0.1:" + std::to_string(port)}) {
    start({b});
    int status = 0;
    std::string out = run_command("ab -k -n 20000 -c 50 " + url("/"), 120, &status);
    ASSERT_EQ(status, 0) << out;
    EXPECT_NE(out.find("Complete requests:      20000"), std::string::npos) << out;
    EXPECT_NE(out.find("Failed requests:        0"), std::string::npos) << out;
    out = run_command("wrk -t1 -c50 -d2s " + url("/"), 60, &status);
    ASSERT_EQ(status, 0) << out;
    EXPECT_EQ(out.find("Socket errors"), std::string::npos) << out;
    EXPECT_EQ(out.find("Non-2xx"), std::string::npos) << out;
    EXPECT_GT(wrk_requests(out), 1000) << out;
    proxy_.process->kill_all();
  }
}

TEST_P(ServerProxyTools, BackendKilledDuringWrkThenUsedAgain) {
  int port_a = free_port(), port_b = free_port();
  auto a = start_http_backend(port_a);
  auto b = start_http_backend(port_b);
  ASSERT_TRUE(a && b);
  std::string addr_a = "127.0.0.1:" + std::to_string(port_a);
  start({addr_a, "127.0.0.1:" + std::to_string(port_b)});
  std::string out;
  int status = 0;
  std::thread load([&] { out = run_command("wrk -t1 -c10 -d4s " + url("/"), 60, &status); });
  usleep(1'500'000);
  a->kill_all();  // SIGKILL: connections to it die mid-flight
  load.join();
  ASSERT_EQ(status, 0) << out;
  long long total = wrk_requests(out);
  long long bad = wrk_number(out, "Non-2xx or 3xx responses: (\\d+)");
  long long read_errors = wrk_number(out, "Socket errors: connect \\d+, read (\\d+)");
  EXPECT_GT(total, 1000) << out;
  // Only what was in flight on the dead backend may fail: at most one per connection.
  EXPECT_LE(bad + read_errors, 10) << out;
  std::string m = proxy_.metrics();
  long long served_by_a = backend_metric(m, "percore_backend_requests_total", addr_a);
  a = start_http_backend(port_a);
  ASSERT_TRUE(a);
  usleep(3'500'000);  // past the out-of-rotation period
  int fd = connect_loopback(proxy_.port);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto rs = read_responses(fd, 1, 5000);
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].status, 200);
  }
  close(fd);
  m = proxy_.metrics();
  EXPECT_GT(backend_metric(m, "percore_backend_requests_total", addr_a), served_by_a + 5);
  std::string log = proxy_.log_text();
  EXPECT_NE(log.find("out of rotation"), std::string::npos) << log;
  EXPECT_NE(log.find("back in rotation"), std::string::npos) << log;
}

PERCORE_ON_EVERY_BACKEND(ServerProxyTools);

}  // namespace
}  // namespace percore::test
