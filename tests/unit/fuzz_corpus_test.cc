// Replays every checked-in fuzz input (seed corpora and the reproducers of crashes the fuzzers
// found) through the same target functions the libFuzzer binaries run, so a fixed bug stays
// fixed in the plain and sanitizer builds without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "client/flags/flags.h"
#include "client/http/http_conn.h"
#include "client/http/url.h"
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

// What the fuzzers found, as plain tests (the reproducers are under tests/fuzz/regressions/).

// A backend status of "20" passed as an interim answer and reached the client as a broken head.
TEST(FoundByFuzzing, ProxyAnswers502ToAStatusOutside100To599) {
  ModeDriver d(server::ServerMode::kProxy);
  d.client_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  d.complete_io();
  d.complete_io();
  d.upstream_bytes("HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n");
  d.finish();
  ASSERT_EQ(d.client_output().size(), 1u);
  EXPECT_EQ(d.client_output()[0].rfind("HTTP/1.1 502 ", 0), 0u) << d.client_output()[0];
}

// A "100 Continue" carrying Content-Length was forwarded as is; the client then read the final
// answer's first bytes as the interim answer's body.
TEST(FoundByFuzzing, ProxyAnswers502ToAnInterimAnswerWithFraming) {
  ModeDriver d(server::ServerMode::kProxy);
  d.client_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  d.complete_io();
  d.complete_io();
  d.upstream_bytes("HTTP/1.1 100 Continue\r\nContent-Length: 1\r\n\r\nx");
  d.finish();
  ASSERT_EQ(d.client_output().size(), 1u);
  EXPECT_EQ(d.client_output()[0].rfind("HTTP/1.1 502 ", 0), 0u) << d.client_output()[0];
}

class NoSink final : public client::ResponseSink {
 public:
  void on_response(client::HttpConn& conn, int, bool) override { conn.pop(); }
};

// http-parser takes "HTTP/0.1 2 OK"; the client counted it as a response with status 2.
TEST(FoundByFuzzing, ClientRefusesAMalformedStatusLine) {
  for (std::string bad : {"HTTP/1.1 2 OK\r\n\r\n", "HTTP/0.1 200 OK\r\n\r\n"}) {
    client::InFlight ring[1];
    client::HttpConn conn;
    NoSink sink;
    conn.ring = ring;
    conn.capacity = 1;
    conn.sink = &sink;
    conn.push({0, 0});
    client::reset_parser(conn);
    EXPECT_EQ(client::feed_response(conn, bad.data(), bad.size()), client::FeedResult::kError)
        << bad;
  }
}

// Errors quoting a URL or an argument with a newline in it spread over two lines.
TEST(FoundByFuzzing, ErrorsQuotingUserTextStayOnOneLine) {
  client::Url u;
  std::string error;
  EXPECT_FALSE(client::parse_url("ht\ntp://x/", &u, &error));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_NE(error.find("ht\\x0atp"), std::string::npos) << error;
  const char* argv[] = {"client", "ht\ntp", nullptr};
  client::Options o;
  std::string message;
  EXPECT_EQ(client::parse_flags(2, argv, &o, &message), client::ParseStatus::kError);
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace
}  // namespace percore::fuzz
