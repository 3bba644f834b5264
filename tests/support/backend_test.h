// The one list of event-loop backends every backend-parameterised suite runs on, the probe that
// says why one cannot run here, and a fixture that starts the server under test on each of them.
// Adding a backend to the tests is one line in kEveryBackend plus its case in
// backend_skip_reason().
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/io/factory.h"
#include "tests/support/server_process.h"

namespace percore::test {

// Names as the server's --io flag and io::parse_backend_kind() take them.
inline const std::vector<std::string> kEveryBackend = {"epoll", "uring"};

// Why the backend cannot run here ("" when it can): tests skip with this message.
inline std::string backend_skip_reason(const std::string& io) {
  if (io != "uring") return "";
  std::string why = io::uring_unavailable_reason();
  return why.empty() ? "" : "io_uring unavailable here: " + why;
}

// The parameter generator for INSTANTIATE_TEST_SUITE_P over every backend.
inline auto every_backend() {
  return ::testing::ValuesIn(kEveryBackend);
}

inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

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

#define PERCORE_ON_EVERY_BACKEND(suite)                                       \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::percore::test::every_backend(), \
                           ::percore::test::backend_name)

}  // namespace percore::test
