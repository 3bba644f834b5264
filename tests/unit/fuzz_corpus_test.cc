// Replays every checked-in fuzz input (seed corpora and the reproducers of crashes the fuzzers
// found) through the same target functions the libFuzzer binaries run, so a fixed bug stays
// fixed in the plain and sanitizer builds without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/harness/mode_driver.h"
#include "tests/fuzz/harness/targets.h"

namespace percore::fuzz {
namespace {

using Target = int (*)(const uint8_t*, size_t);

struct Case {
  const char* name;
  Target target;
};

const Case kTargets[] = {
    {"server_request", server_request},
    {"proxy_request", proxy_request},
    {"proxy_response", proxy_response},
    {"client_response", client_response},
    {"url", url},
    {"flags", flags},
};

class FuzzCorpus : public ::testing::TestWithParam<Case> {};

// Inputs of one target: tests/fuzz/corpus/<name>/ and tests/fuzz/regressions/<name>/.
std::vector<std::filesystem::path> inputs(const char* name) {
  std::vector<std::filesystem::path> out;
  for (const char* kind : {"corpus", "regressions"}) {
    std::filesystem::path dir =
        std::filesystem::path(PERCORE_SOURCE_DIR) / "tests/fuzz" / kind / name;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
  }
  return out;
}

TEST_P(FuzzCorpus, EveryInputKeepsTheInvariants) {
  std::vector<std::filesystem::path> files = inputs(GetParam().name);
  ASSERT_GE(files.size(), 3u) << "seed corpus missing for " << GetParam().name;
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A broken invariant traps, which fails the whole test binary loudly.
    EXPECT_EQ(GetParam().target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpus, ::testing::ValuesIn(kTargets),
                         [](const auto& info) { return std::string(info.param.name); });

// The harness itself: a request really travels client -> proxy -> backend and back, so the
// framing checks of the targets look at real traffic rather than at nothing.
TEST(FuzzHarness, ProxyForwardsAndAnswers) {
  ModeDriver d(server::ServerMode::kProxy);
  d.client_bytes("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  d.complete_io();
  d.complete_io();
  d.answer_upstreams();
  d.complete_io();
  d.finish();
  ASSERT_EQ(d.upstream_output().size(), 1u);
  EXPECT_EQ(d.upstream_output()[0].rfind("GET /x HTTP/1.1\r\n", 0), 0u) << d.upstream_output()[0];
  ASSERT_EQ(d.client_output().size(), 1u);
  EXPECT_NE(d.client_output()[0].find("200 OK"), std::string::npos) << d.client_output()[0];
  EXPECT_TRUE(parses_as(d.client_output()[0], true));
  EXPECT_FALSE(parses_as("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", true));
}

TEST(FuzzHarness, ServerAnswersPipelinedRequests) {
  ModeDriver d(server::ServerMode::kHttp);
  d.client_bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  d.finish();
  ASSERT_EQ(d.client_output().size(), 1u);
  std::string out = d.client_output()[0];
  EXPECT_NE(out.find("200 OK"), out.rfind("200 OK")) << out;
}

}  // namespace
}  // namespace percore::fuzz
