// A test fixture parameterised by event-loop backend ("epoll", "uring"): skips, with the reason,
// where the backend cannot run, and starts the server under test on that backend.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/server_process.h"

namespace percore::test {

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
  }
  // Starts `server -w 2` plus the given flags on GetParam()'s backend.
  void start(std::vector<std::string> extra) {
    extra.insert(extra.end(), {"-w", "2"});
    server_ = start_server(GetParam(), extra);
    ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  }
  ServerProcess server_;
};

inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

#define PERCORE_ON_EVERY_BACKEND(suite) \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::Values("epoll", "uring"), backend_name)

}  // namespace percore::test
