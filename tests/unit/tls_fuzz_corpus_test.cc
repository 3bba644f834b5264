// Replays the tls_server fuzz corpus (real ClientHellos recorded from the engine, and any crash
// reproducers under tests/fuzz/regressions/tls_server/) through the fuzz target in plain and
// sanitizer builds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/fuzz/harness/targets.h"

namespace percore::fuzz {
namespace {

TEST(TlsFuzzCorpus, EveryInputKeepsTheInvariants) {
  size_t replayed = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    std::filesystem::path dir =
        std::filesystem::path(PERCORE_SOURCE_DIR) / "tests/fuzz" / kind / "tls_server";
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      SCOPED_TRACE(e.path().string());
      std::ifstream in(e.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(tls_server(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
      ++replayed;
    }
  }
  EXPECT_GE(replayed, 3u) << "seed corpus missing";
}

}  // namespace
}  // namespace percore::fuzz
