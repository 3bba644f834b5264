// The client's dispatch tables: each command selects its protocol, the runner's protocol table is
// in Protocol order, and -R/--rate exists exactly for the paced protocols.
#include <gtest/gtest.h>

#include <string>

#include "client/protocols.h"
#include "tests/unit/client_flags_util.h"

namespace percore::client {
namespace {

TEST(ClientProtocols, EachCommandSelectsItsProtocol) {
  struct Case {
    const char* word;
    const char* target;
    Protocol protocol;
  };
  for (const Case& c : {Case{"http", "http://127.0.0.1:8080/", Protocol::kHttp},
                        Case{"echo", "127.0.0.1:7", Protocol::kEcho},
                        Case{"sweep", "127.0.0.1:7", Protocol::kEcho}}) {
    Options o;
    std::string msg;
    ASSERT_EQ(parse_args({c.word, c.target}, &o, &msg), ParseStatus::kOk) << c.word << ": " << msg;
    EXPECT_EQ(o.protocol, c.protocol) << c.word;
  }
}

TEST(ClientProtocols, TableRowsMatchTheirProtocolAndBuildWorkers) {
  for (Protocol p : {Protocol::kHttp, Protocol::kEcho}) {
    const LoadProtocol& row = load_protocol(p);
    EXPECT_EQ(row.protocol, p) << protocol_name(p);
    EXPECT_NE(row.workers, nullptr) << protocol_name(p);
    EXPECT_NE(row.describe, nullptr) << protocol_name(p);
  }
  EXPECT_STREQ(protocol_name(Protocol::kHttp), "http");
  EXPECT_STREQ(protocol_name(Protocol::kEcho), "echo");
  EXPECT_STREQ(load_protocol(Protocol::kHttp).rate_unit, "req/s");
  EXPECT_STREQ(load_protocol(Protocol::kEcho).rate_unit, "msg/s");
}

TEST(ClientProtocols, RateIsAFlagOfPacedProtocolsOnly) {
  Options http;
  std::string msg;
  ASSERT_EQ(parse_args({"http", "-R", "250", "http://127.0.0.1:8080/"}, &http, &msg),
            ParseStatus::kOk)
      << msg;
  EXPECT_EQ(http.rate, 250);
  Options echo;
  EXPECT_EQ(parse_args({"echo", "-R", "250", "127.0.0.1:7"}, &echo, &msg), ParseStatus::kError);
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(ClientProtocols, EchoResultDescribesItsPattern) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse_args({"echo", "--pattern", "stream", "-l", "1k", "--window", "8k", "127.0.0.1:7"},
                       &o, &msg),
            ParseStatus::kOk)
      << msg;
  RunResult r;
  load_protocol(o.protocol).describe(o, &r);
  EXPECT_EQ(r.pattern, "stream");
  EXPECT_EQ(r.payload, 1024u);
  EXPECT_EQ(r.window, 8192u);
}

}  // namespace
}  // namespace percore::client
