// The programmable target (`server --programmable`): every query parameter through curl and raw
// sockets, the command-line defaults, the random faults counted exactly by `client http`, and
// the proxy in front of a programmable backend turning a reset into 502 and a long delay into
// 504.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "tests/support/backend_test.h"
#include "tests/support/client_run.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/proxy_helpers.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

// True when nothing arrives on fd within ms (and the peer did not close).
bool silent_for(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, ms) == 0;
}

class ServerProgrammable : public BackendTest {
 protected:
  std::string url(const std::string& path_and_query) const {
    return "'http://127.0.0.1:" + std::to_string(server_.port) + path_and_query + "'";
  }
  std::string plain_url() const { return "http://127.0.0.1:" + std::to_string(server_.port) + "/"; }
  std::string curl(const std::string& args, int* status) {
    return run_command("curl -s --max-time 10 " + args, 20, status);
  }
  Response get(const std::string& target) {
    int fd = connect_loopback(server_.port);
    EXPECT_GE(fd, 0);
    EXPECT_TRUE(send_all(fd, "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = read_responses(fd, 1, 8000);
    close(fd);
    return r.empty() ? Response{} : r[0];
  }
};

TEST_P(ServerProgrammable, StatusSizeAndHeaders) {
  start({"--programmable", "-k"});
  int status = 0;
  EXPECT_EQ(curl("-o /dev/null -w '%{http_code} %{size_download}' " + url("/?status=503&size=1234"),
                 &status),
            "503 1234");
  std::string head = curl("-D - -o /dev/null " + url("/x?headers=3&status=201"), &status);
  EXPECT_NE(head.find("HTTP/1.1 201 Created"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Percore-3: "), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Percore-4: "), std::string::npos) << head;
  // Without a query the default body comes back, as without --programmable.
  Response r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Hello from percore\n");
  r = get("/?size=0");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  r = get("/?status=204");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
}

TEST_P(ServerProgrammable, ChunkedBodiesDecodeToTheRequestedSize) {
  start({"--programmable", "-k"});
  int status = 0;
  std::string out =
      curl("-D - -o /dev/null -w 'size=%{size_download}' " + url("/?chunked=1&chunk=100&size=1000"),
           &status);
  EXPECT_NE(out.find("Transfer-Encoding: chunked"), std::string::npos) << out;
  EXPECT_NE(out.find("size=1000"), std::string::npos) << out;
  // The raw framing: ten chunks of 0x64 bytes, then the last chunk.
  int fd = connect_loopback(server_.port);
  ASSERT_TRUE(send_all(fd, "GET /?size=1000&chunk=100 HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string raw;
  char buf[8192];
  while (raw.find("0\r\n\r\n") == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t body = raw.find("\r\n\r\n") + 4;
  std::string chunk = "64\r\n" + std::string("percore ").substr(0, 8);
  EXPECT_EQ(raw.compare(body, chunk.size(), chunk), 0) << raw.substr(body, 40);
  size_t count = 0;
  for (size_t at = raw.find("\r\n64\r\n", body); at != std::string::npos;
       at = raw.find("\r\n64\r\n", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 9u) << "ten chunks, nine of them after another";
  EXPECT_EQ(raw.substr(raw.size() - 7), "\r\n0\r\n\r\n");
}

TEST_P(ServerProgrammable, CloseAnswersThenCloses) {
  start({"--programmable", "-k"});
  int fd = connect_loopback(server_.port);
  ASSERT_TRUE(send_all(fd, "GET /?close=1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  bool closed = false;
  auto r = read_responses(fd, 2, 5000, false, &closed);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_FALSE(r[0].keep_alive);
  EXPECT_TRUE(closed);
  close(fd);
}

TEST_P(ServerProgrammable, ResetSendsRstInsteadOfAnAnswer) {
  start({"--programmable", "-k"});
  int status = 0;
  std::string out = curl("-o /dev/null -w '%{http_code}' " + url("/?reset=1"), &status);
  EXPECT_EQ(status, 56) << "curl: failure receiving (connection reset), got " << out;
  int fd = connect_loopback(server_.port);
  ASSERT_TRUE(send_all(fd, "GET /?reset=1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, ECONNRESET);
  close(fd);
}

TEST_P(ServerProgrammable, DropReadsAndNeverAnswers) {
  start({"--programmable", "-k", "-w", "1"});
  int fd = connect_loopback(server_.port);
  ASSERT_TRUE(send_all(fd, "GET /?drop=1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_TRUE(silent_for(fd, 700));
  // The worker is not stuck: another connection is answered meanwhile.
  EXPECT_EQ(get("/").status, 200);
  EXPECT_GE(metric_sum(server_.metrics(), "percore_dropped_requests_total"), 1);
  close(fd);
}

TEST_P(ServerProgrammable, DelayIsATimerNotABlockedWorker) {
  start({"--programmable", "-k", "-w", "1"});
  auto t0 = std::chrono::steady_clock::now();
  int slow = connect_loopback(server_.port);
  ASSERT_TRUE(send_all(slow, "GET /?delay=1500ms&size=5 HTTP/1.1\r\nHost: t\r\n\r\n"));
  // The one worker answers others while the delayed answer waits.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/?status=202").status, 202);
  EXPECT_TRUE(silent_for(slow, 100)) << "answered before its delay";
  auto r = read_responses(slow, 1, 8000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].body, "perco");
  EXPECT_GE(ms_since(t0), 1500);
  close(slow);
}

TEST_P(ServerProgrammable, PipelinedRequestsBehindADelayKeepTheirOrder) {
  start({"--programmable", "-k", "-w", "1"});
  int fd = connect_loopback(server_.port);
  ASSERT_TRUE(send_all(fd,
                       "GET /?delay=300ms&status=201 HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /?status=202 HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /?delay=100ms&status=203 HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /?status=204 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = read_responses(fd, 4, 8000);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].status, 201);
  EXPECT_EQ(r[1].status, 202);
  EXPECT_EQ(r[2].status, 203);
  EXPECT_EQ(r[3].status, 204);
  close(fd);
}

TEST_P(ServerProgrammable, BadParametersGet400WithTheReason) {
  start({"--programmable", "-k"});
  Response r = get("/?colour=red");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("unknown parameter 'colour'"), std::string::npos) << r.body;
  r = get("/?size=lots");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("bad value for size: 'lots'"), std::string::npos) << r.body;
  r = get("/?delay=5");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("unit"), std::string::npos) << r.body;
  r = get("/?" + std::string(3000, 'a') + "=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("request target longer than"), std::string::npos) << r.body;
}

TEST_P(ServerProgrammable, CommandLineDefaultsAndQueryOverrides) {
  start({"--programmable", "-k", "--status", "418", "--headers", "2", "--chunk", "7"});
  int status = 0;
  std::string head = curl("-D - -o /dev/null " + url("/"), &status);
  EXPECT_NE(head.find("HTTP/1.1 418"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Percore-2: "), std::string::npos) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  Response r = get("/?status=200&chunked=0&headers=0");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Hello from percore\n");
}

TEST_P(ServerProgrammable, TheTargetIsOffWithoutTheFlag) {
  start({"-k"});
  Response r = get("/?status=503&colour=red");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Hello from percore\n");
}

TEST_P(ServerProgrammable, ClientCountsInjectedStatusesExactly) {
  start({"--programmable", "-k", "--fail-rate", "0.2:503"});
  ClientRun run = run_client_mode(
      "http", "-c 4 -t 1 -n 2000 -d 60s --io " + GetParam() + " " + plain_url(), 90);
  ASSERT_FALSE(run.json.is_null()) << run.output;
  ASSERT_FALSE(run.json.is_discarded()) << run.output;
  long long ok = run.json["status"].value("200", 0LL);
  long long failed = run.json["status"].value("503", 0LL);
  std::string metrics = server_.metrics();
  EXPECT_GT(failed, 0) << run.json.dump();
  EXPECT_GT(ok, 0);
  EXPECT_EQ(failed, metric_sum(metrics, "percore_injected_failures_total"));
  EXPECT_EQ(failed, metric_sum(metrics, "percore_responses_5xx_total"));
  EXPECT_EQ(ok, metric_sum(metrics, "percore_responses_2xx_total"));
}

TEST_P(ServerProgrammable, ClientCountsInjectedResetsExactly) {
  start({"--programmable", "-k", "--reset-rate", "0.1"});
  ClientRun run = run_client_mode(
      "http", "-c 4 -t 1 -n 1000 -d 60s --io " + GetParam() + " " + plain_url(), 90);
  ASSERT_FALSE(run.json.is_null()) << run.output;
  ASSERT_FALSE(run.json.is_discarded()) << run.output;
  long long resets = 0;
  for (const auto& [kind, n] : run.json["errors"]["by_kind"].items()) {
    if (kind.find("ECONNRESET") != std::string::npos) resets += n.get<long long>();
  }
  std::string metrics = server_.metrics();
  long long injected = metric_sum(metrics, "percore_injected_resets_total");
  EXPECT_GT(injected, 0);
  EXPECT_EQ(resets, injected) << run.json["errors"].dump();
  EXPECT_EQ(run.json["status"].value("200", 0LL),
            metric_sum(metrics, "percore_responses_2xx_total"));
}

TEST_P(ServerProgrammable, DelayDistributionDelaysEveryAnswer) {
  start({"--programmable", "-k", "--delay-dist", "uniform:2ms..4ms"});
  ClientRun run =
      run_client_mode("http", "-c 4 -t 1 -n 200 -d 60s --io " + GetParam() + " " + plain_url(), 90);
  ASSERT_FALSE(run.json.is_null()) << run.output;
  EXPECT_EQ(run.json["status"].value("200", 0LL), 200);
  // No answer can come sooner than its smallest delay.
  EXPECT_GE(run.json["latency_us"]["min"].get<double>(), 2000.0);
  EXPECT_EQ(metric_sum(server_.metrics(), "percore_delayed_requests_total"),
            metric_sum(server_.metrics(), "percore_requests_total"));
}

TEST_P(ServerProgrammable, ProxyTurnsResetInto502AndLongDelayInto504) {
  ServerProcess backend = start_server(GetParam(), {"--programmable", "-k", "-w", "1"});
  ASSERT_TRUE(backend.ok()) << backend.process->stderr_text();
  ServerProcess proxy = start_proxy(GetParam(), {"127.0.0.1:" + std::to_string(backend.port)},
                                    {"-k", "-w", "1", "--backend-timeout", "1"});
  ASSERT_TRUE(proxy.ok()) << proxy.process->stderr_text();
  auto via_proxy = [&](const std::string& target) {
    int status = 0;
    return run_command(
        "curl -s --max-time 10 -o /dev/null -w '%{http_code}' "
        "'http://127.0.0.1:" +
            std::to_string(proxy.port) + target + "'",
        20, &status);
  };
  EXPECT_EQ(via_proxy("/?status=418"), "418");
  EXPECT_EQ(via_proxy("/?reset=1"), "502");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(via_proxy("/?delay=3s"), "504");
  EXPECT_GE(ms_since(t0), 1000);
  EXPECT_EQ(via_proxy("/?delay=100ms&chunk=10&size=100"), "200");
  EXPECT_GE(metric_sum(proxy.metrics(), "percore_proxy_502_total"), 1);
  EXPECT_EQ(metric_sum(proxy.metrics(), "percore_proxy_504_total"), 1);
}

PERCORE_ON_EVERY_BACKEND(ServerProgrammable);

TEST(ServerProgrammableFlags, TargetFlagsNeedTheModeAndGoodValues) {
  struct Case {
    std::string args, message;
  };
  const Case cases[] = {
      {"--status 503", "--status needs --programmable"},
      {"--programmable --status 99", "--status: bad value for status"},
      {"--programmable --fail-rate 2", "--fail-rate: want SHARE[:STATUS]"},
      {"--programmable --reset-rate x", "--reset-rate: want a share"},
      {"--programmable --delay-dist normal:1ms", "--delay-dist: want fixed"},
      {"--programmable --delay 10", "--delay: bad value for delay"},
  };
  for (const Case& c : cases) {
    int status = 0;
    std::string out =
        run_command(std::string(PERCORE_SERVER_BIN) + " -a 127.0.0.1:0 " + c.args, 10, &status);
    EXPECT_EQ(status, 2) << c.args << ": " << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << c.args << ": " << out;
  }
}

}  // namespace
}  // namespace percore::test
