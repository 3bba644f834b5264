// What the server and client take from PERCORE_URING_ON / PERCORE_URING_OFF: every technique on
// unless turned off, ON still accepted (scripts from when lending and bundles were opt-in),
// unknown names refused.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "core/io/uring_backend.h"

namespace percore::io {
namespace {

class UringOptionsFromEnv : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    unsetenv("PERCORE_URING_ON");
    unsetenv("PERCORE_URING_OFF");
  }
};

TEST_F(UringOptionsFromEnv, EveryTechniqueIsOnUnlessTurnedOff) {
  std::string error;
  UringOptions o = uring_options_from_env(&error);
  EXPECT_EQ(error, "");
  EXPECT_TRUE(o.lend);
  EXPECT_TRUE(o.bundle);
  EXPECT_TRUE(o.link_close);
  setenv("PERCORE_URING_OFF", "lend,bundle", 1);
  o = uring_options_from_env(&error);
  EXPECT_EQ(error, "");
  EXPECT_FALSE(o.lend);
  EXPECT_FALSE(o.bundle);
  EXPECT_TRUE(o.link_close);
}

TEST_F(UringOptionsFromEnv, OnTurnsThemOnAndOffWins) {
  setenv("PERCORE_URING_ON", "lend,bundle", 1);
  std::string error;
  UringOptions o = uring_options_from_env(&error);
  EXPECT_EQ(error, "");
  EXPECT_TRUE(o.lend);
  EXPECT_TRUE(o.bundle);
  setenv("PERCORE_URING_OFF", "bundle,link-close", 1);
  o = uring_options_from_env(&error);
  EXPECT_EQ(error, "");
  EXPECT_TRUE(o.lend);
  EXPECT_FALSE(o.bundle);
  EXPECT_FALSE(o.link_close);
}

TEST_F(UringOptionsFromEnv, UnknownNameIsRefusedWithTheVariable) {
  setenv("PERCORE_URING_ON", "lend,zerocopy", 1);
  std::string error;
  uring_options_from_env(&error);
  EXPECT_NE(error.find("PERCORE_URING_ON"), std::string::npos) << error;
  EXPECT_NE(error.find("zerocopy"), std::string::npos) << error;
}

}  // namespace
}  // namespace percore::io
