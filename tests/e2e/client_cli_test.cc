// End-to-end tests of what `client` checks and prints around a run: --json - is pipeable, bad
// --source and --json are usage errors before the run, loose --fail-if and URL spellings,
// localhost served only on ::1, 1xx interim responses, and sweep's --help.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/client_run.h"
#include "tests/support/process.h"
#include "tests/support/stall_server.h"

namespace percore::test {
namespace {

std::string client(const std::string& args, int* status, int timeout_s = 30) {
  return run_command(std::string(PERCORE_CLIENT_BIN) + " " + args, timeout_s, status);
}

std::string url(int port) {
  return "http://127.0.0.1:" + std::to_string(port) + "/";
}

// stdout holds the JSON alone, the text report goes to stderr.
TEST(ClientCliE2E, JsonToStdoutIsPipeable) {
  StallServer target(0);
  ASSERT_GT(target.port(), 0);
  int status = 0;
  std::string out =
      client("http -q -t 1 -c 1 -n 20 --json - " + url(target.port()) + " 2>/dev/null", &status);
  ASSERT_EQ(status, 0) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["requests"], 20);
  std::string err = client(
      "http -q -t 1 -c 1 -n 20 --json - " + url(target.port()) + " 2>&1 >/dev/null", &status);
  EXPECT_NE(err.find("20 completed"), std::string::npos) << err;
}

TEST(ClientCliE2E, InterimResponsesAreNotAnswers) {
  StallServer target(0, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_GT(target.port(), 0);
  ClientRun run = run_client_mode("http", "-t 1 -c 2 -n 200 " + url(target.port()));
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json["status"]["200"], 200) << run.json.dump();
  EXPECT_FALSE(run.json["status"].contains("100"));
  EXPECT_EQ(run.json["errors"]["total"], 0);
  EXPECT_EQ(run.json["connections"]["established"], 2);
  StallServer upgrade(0, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n");
  ClientRun up = run_client_mode("http", "-t 1 -c 1 -d 300ms " + url(upgrade.port()));
  ASSERT_EQ(up.status, 0) << up.output;
  EXPECT_GT(up.json["errors"]["by_kind"].value("switching_protocols", 0), 0) << up.json.dump();
  EXPECT_EQ(up.json["requests"], 0);
}

TEST(ClientCliE2E, BadSourceAndJsonPathAreUsageErrorsBeforeTheRun) {
  StallServer target(0);
  int status = 0;
  std::string out = client("http -d 5s --source 10.9.9.9 " + url(target.port()), &status, 10);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("10.9.9.9"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  out = client("http -d 5s --json /nonexistent/dir/x.json " + url(target.port()), &status, 10);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("/nonexistent/dir/x.json"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(target.requests(), 0);
  // A writable path is not left behind when the run then fails.
  char dir[] = "/tmp/percore-cli-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/r.json";
  out = client("http -d 1s --json " + path + " http://127.0.0.1:1/", &status, 10);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(access(path.c_str(), F_OK), 0) << path;
  rmdir(dir);
}

TEST(ClientCliE2E, LooseSpellingsAndBadOnes) {
  StallServer target(0);
  ClientRun spaced =
      run_client_mode("http", "-t 1 -c 1 -n 20 --fail-if 'p99 > 1us' HTTP://127.0.0.1:" +
                                  std::to_string(target.port()) + "/");
  EXPECT_EQ(spaced.status, 3) << spaced.output;  // accepted, and crossed
  int status = 0;
  std::string out = client("http --fail-if 'p99>>1ms' " + url(target.port()), &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("operator"), std::string::npos) << out;
  out = client("http http://127.0.0.1:0/", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("port"), std::string::npos) << out;
}

// A server listening only on [::1]: http://localhost:PORT/ tries 127.0.0.1, then ::1.
TEST(ClientCliE2E, LocalhostFallsBackToIpv6) {
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  int port = ntohs(a.sin6_port);
  // The pre-run check only connects: a listening socket that never accepts is enough, and -n 1
  // with a short timeout bounds the run.
  ClientRun run = run_client_mode(
      "http", "-t 1 -c 1 -n 1 --timeout 300ms http://localhost:" + std::to_string(port) + "/");
  close(fd);
  EXPECT_NE(run.status, 2) << run.output;
  EXPECT_EQ(run.json["connections"]["established"].get<int>() > 0, true) << run.output;
}

TEST(ClientCliE2E, SweepHelpListsOnlyWhatSweepTakes) {
  int status = 0;
  std::string help = client("sweep --help", &status);
  EXPECT_EQ(status, 0);
  for (const char* flag : {"--segment", "--start-at", "--hdr-log", "--connections"}) {
    EXPECT_EQ(help.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.find("--max-connections"), std::string::npos);
  std::string out = client("sweep -c 4 127.0.0.1:7", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("--max-connections"), std::string::npos) << out;
}

}  // namespace
}  // namespace percore::test
