// scripts/ab-swarm.sh against the real server: the summed report must agree with the server's
// own counters, and an instance that fails must be reported, not hidden.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

const std::string kSwarm = std::string(PERCORE_SOURCE_DIR) + "/scripts/ab-swarm.sh";

// The number after "label" in the swarm's summary, -1 when absent.
long long summary_number(const std::string& out, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(label + "\\s+([0-9.]+)"))) return -1;
  return std::stoll(m[1]);
}

class AbSwarm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("ab") || !have_program("taskset")) GTEST_SKIP() << "needs ab and taskset";
    dir_ = "/tmp/percore-ab-swarm-" + std::to_string(getpid());
  }
  void TearDown() override {
    int status = 0;
    if (!dir_.empty()) run_command("rm -rf " + dir_, 10, &status);
  }
  std::string dir_;
};

TEST_F(AbSwarm, TwoInstancesSumToTheServersRequestCount) {
  ServerProcess server = start_server("epoll", {"-w", "2", "-k"});
  ASSERT_TRUE(server.ok()) << server.process->stderr_text();
  int status = 0;
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/";
  std::string out =
      run_command(kSwarm + " -n 3000 -c 10 -i 2 -k -o " + dir_ + " " + url, 120, &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("instances:          2 (2 clean"), std::string::npos) << out;
  EXPECT_EQ(summary_number(out, "complete requests:"), 6000) << out;
  EXPECT_EQ(summary_number(out, "failed requests:"), 0) << out;
  EXPECT_EQ(metric_sum(server.metrics(), "percore_requests_total"), 6000);
  EXPECT_GT(summary_number(out, "requests/s total:"), 0) << out;
  EXPECT_NE(out.find("slowest instance:"), std::string::npos) << out;
  // Each instance's own ab report is kept, and each names its own share.
  for (int i = 0; i < 2; ++i) {
    std::string report =
        run_command("cat " + dir_ + "/instance-" + std::to_string(i) + ".txt", 5, &status);
    EXPECT_NE(report.find("Complete requests:      3000"), std::string::npos) << report;
  }
}

TEST_F(AbSwarm, AnInstanceThatCannotConnectIsReportedAndFailsTheRun) {
  // A bound socket that does not listen: connecting to it is refused.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int status = 0;
  std::string out = run_command(kSwarm + " -n 10 -c 1 -i 2 -o " + dir_ + " http://127.0.0.1:" +
                                    std::to_string(ntohs(addr.sin_port)) + "/",
                                60, &status);
  close(fd);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("FAILED"), std::string::npos) << out;
  EXPECT_NE(out.find("2 failed or with failures"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection refused"), std::string::npos) << "ab's own error line\n" << out;
}

// ab needs a path: a URL without one gets its "/" (what the user means), and an instance that ab
// refuses shows ab's own error line, not the last line of its usage text.
TEST_F(AbSwarm, AUrlWithoutAPathGetsItsSlashAndAbsErrorsAreShown) {
  ServerProcess server = start_server("epoll", {"-w", "2"});
  ASSERT_TRUE(server.ok()) << server.process->stderr_text();
  int status = 0;
  std::string url = "http://127.0.0.1:" + std::to_string(server.port);
  std::string out = run_command(kSwarm + " -n 100 -c 2 -i 2 -o " + dir_ + " " + url, 60, &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("ab-swarm: using " + url + "/ (ab needs a path)"), std::string::npos) << out;
  EXPECT_EQ(summary_number(out, "complete requests:"), 200) << out;
  EXPECT_EQ(metric_sum(server.metrics(), "percore_requests_total"), 200);

  // A query without a path is left alone: ab refuses it, and says why.
  out = run_command(kSwarm + " -n 10 -c 1 -i 1 -o " + dir_ + "/bad " + url + "?x=1", 60, &status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("FAILED (exit 22): ab: invalid URL"), std::string::npos) << out;
  EXPECT_EQ(out.find("certfile"), std::string::npos) << out;
}

TEST_F(AbSwarm, BadFlagsAreAUsageError) {
  int status = 0;
  std::string out = run_command(kSwarm + " -n 0 -c 1 http://127.0.0.1:1/", 10, &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("-n wants"), std::string::npos) << out;
  out = run_command(kSwarm + " -n 5 -c 10 http://127.0.0.1:1/", 10, &status);
  EXPECT_EQ(status, 2) << out;
  out = run_command(kSwarm + " --bogus http://127.0.0.1:1/", 10, &status);
  EXPECT_EQ(status, 2) << out;
  out = run_command(kSwarm + " -n 5 -c 1", 10, &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_EQ(out.rfind("ab-swarm: URL is missing", 0), 0u) << out;
  // --help is the whole header and nothing else.
  out = run_command(kSwarm + " --help", 10, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("ab's first error line."), std::string::npos) << out;
  EXPECT_EQ(out.find("set -euo"), std::string::npos) << out;
  EXPECT_EQ(out.find("source "), std::string::npos) << out;
}

}  // namespace
}  // namespace percore::test
