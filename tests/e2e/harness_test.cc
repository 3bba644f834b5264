#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace percore::test {
namespace {

TEST(Harness, RunCommandReportsExitCodeAndTimeout) {
  int status = 0;
  EXPECT_EQ(run_command("echo 'it''s' && exit 3", 5, &status), "its\n");
  EXPECT_EQ(status, 3);
  run_command("sleep 5", 1, &status);
  EXPECT_EQ(status, -1);
}

}  // namespace
}  // namespace percore::test
