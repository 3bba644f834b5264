// The fixture the proxy suites share: `server` as a proxy on GetParam()'s backend (one worker),
// in front of upstreams the test starts, and raw requests to it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/proxy_helpers.h"
#include "tests/support/server_process.h"
#include "tests/support/test_upstream.h"

namespace percore::test {

class ProxyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
  }
  void start(const std::vector<std::string>& upstreams, std::vector<std::string> extra = {"-k"}) {
    extra.insert(extra.end(), {"-w", "1"});
    proxy_ = start_proxy(GetParam(), upstreams, extra);
    ASSERT_TRUE(proxy_.ok()) << proxy_.process->stderr_text();
  }
  int connect() {
    int fd = connect_loopback(proxy_.port);
    EXPECT_GE(fd, 0);
    return fd;
  }
  // The proxy in front of one upstream, and a connection to it.
  int start_and_connect(const TestUpstream& upstream) {
    start({upstream.address()});
    return connect();
  }
  // One request on a kept-alive connection; returns the response (status 0 if none).
  Response roundtrip(int fd, const std::string& request, bool head = false) {
    if (!send_all(fd, request)) return {};
    auto r = read_responses(fd, 1, 8000, head);
    return r.empty() ? Response{} : r[0];
  }
  ServerProcess proxy_;
};

}  // namespace percore::test
