// The server driven by the tools people actually use against it: curl, ab and wrk.
#include <gtest/gtest.h>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

class ServerTools : public BackendTest {
 protected:
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port) + "/"; }
};

TEST_P(ServerTools, CurlGets200) {
  start({"-k"});
  int status = 0;
  std::string out = run_command("curl -s -o /dev/null -w '%{http_code}' " + url(), 10, &status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, "200");
}

TEST_P(ServerTools, AbWithoutKeepAliveHasNoFailures) {
  start({});
  int status = 0;
  std::string out = run_command("ab -n 20000 -c 50 " + url(), 120, &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Complete requests:      20000"), std::string::npos) << out;
  EXPECT_NE(out.find("Failed requests:        0"), std::string::npos) << out;
  // ab may open a few spare connections near the end that never carry a request.
  std::string metrics = server_.metrics();
  EXPECT_EQ(metric_sum(metrics, "percore_responses_2xx_total"), 20000);
  EXPECT_GE(metric_sum(metrics, "percore_accepted_total"), 20000);
}

TEST_P(ServerTools, AbKeepAliveHasNoFailures) {
  start({"-k"});
  int status = 0;
  std::string out = run_command("ab -k -n 20000 -c 50 " + url(), 120, &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Failed requests:        0"), std::string::npos) << out;
  EXPECT_NE(out.find("Keep-Alive requests:    20000"), std::string::npos) << out;
  EXPECT_EQ(metric_sum(server_.metrics(), "percore_requests_total"), 20000);
}

TEST_P(ServerTools, WrkHasNoErrors) {
  start({"-k"});
  int status = 0;
  std::string out = run_command("wrk -t1 -c50 -d3s " + url(), 60, &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("requests in"), std::string::npos) << out;
  EXPECT_EQ(out.find("Socket errors"), std::string::npos) << out;
  EXPECT_EQ(out.find("Non-2xx"), std::string::npos) << out;
}

PERCORE_ON_EVERY_BACKEND(ServerTools);

}  // namespace
}  // namespace percore::test
