// What the server and client take from PERCORE_URING_ON / PERCORE_URING_OFF: every technique on
// unless turned off, ON still accepted (scripts from when lending and bundles were opt-in),
// unknown names refused; PERCORE_URING_BUFFERS reshapes the receive ring within what it takes.
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
    unsetenv("PERCORE_URING_BUFFERS");
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

TEST_F(UringOptionsFromEnv, BuffersShapeTheReceiveRing) {
  std::string error;
  UringOptions o = uring_options_from_env(&error);
  EXPECT_EQ(o.buffer_count, 256u);
  EXPECT_EQ(o.buffer_size, 16u << 10);
  setenv("PERCORE_URING_BUFFERS", "128x64k", 1);
  o = uring_options_from_env(&error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(o.buffer_count, 128u);
  EXPECT_EQ(o.buffer_size, 64u << 10);
  setenv("PERCORE_URING_BUFFERS", "1024X4096", 1);
  o = uring_options_from_env(&error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(o.buffer_count, 1024u);
  EXPECT_EQ(o.buffer_size, 4096u);
}

TEST_F(UringOptionsFromEnv, StreamsGetFewerLargerBuffersUnlessTheEnvironmentSaysOtherwise) {
  std::string error;
  UringOptions requests = uring_options_from_env(uring_defaults_for(Traffic::kRequests), &error);
  EXPECT_EQ(requests.buffer_count, 256u);
  EXPECT_EQ(requests.buffer_size, 16u << 10);
  UringOptions streams = uring_options_from_env(uring_defaults_for(Traffic::kStreams), &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(streams.buffer_count, 128u);
  EXPECT_EQ(streams.buffer_size, 64u << 10);
  EXPECT_TRUE(streams.lend && streams.bundle && streams.link_close && streams.recv_limit);
  setenv("PERCORE_URING_BUFFERS", "256x16k", 1);
  setenv("PERCORE_URING_OFF", "lend", 1);
  streams = uring_options_from_env(uring_defaults_for(Traffic::kStreams), &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(streams.buffer_count, 256u);
  EXPECT_EQ(streams.buffer_size, 16u << 10);
  EXPECT_FALSE(streams.lend);
}

TEST_F(UringOptionsFromEnv, BuffersThatTheRingCannotTakeAreRefused) {
  for (const char* bad : {"100x16k", "0x16k", "65536x16k", "256x512", "256x2m", "256", "x16k",
                          "256x", "256x16q", "-4x16k", "256x99999999999m", "256x17592186044417m"}) {
    setenv("PERCORE_URING_BUFFERS", bad, 1);
    std::string error;
    uring_options_from_env(&error);
    EXPECT_NE(error.find("PERCORE_URING_BUFFERS"), std::string::npos) << bad;
    EXPECT_NE(error.find(bad), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace percore::io
