// The response parser of a `client http` connection: interim 1xx responses are not answers, a
// 101 is an error of its own kind.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/http/http_conn.h"
#include "client/run/run_stats.h"

namespace percore::client {
namespace {

struct Recorder : ResponseSink {
  std::vector<int> statuses;
  void on_response(HttpConn& conn, int status, bool) override {
    statuses.push_back(status);
    --conn.in_flight;
  }
};

struct Conn {
  Recorder sink;
  HttpConn conn;
  explicit Conn(uint32_t in_flight) {
    conn.sink = &sink;
    reset_parser(conn);
    conn.in_flight = in_flight;
  }
  FeedResult feed(const std::string& bytes) {
    return feed_response(conn, bytes.data(), bytes.size());
  }
};

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

TEST(ClientHttpConn, InterimResponsesAreSkipped) {
  Conn c(2);
  EXPECT_EQ(c.feed("HTTP/1.1 100 Continue\r\n\r\n" + kOk), FeedResult::kOk);
  EXPECT_EQ(c.sink.statuses, std::vector<int>{200});
  // Split across reads, and several interim responses (103 Early Hints with headers).
  EXPECT_EQ(c.feed("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 100 Cont"),
            FeedResult::kOk);
  EXPECT_EQ(c.feed("inue\r\n\r\n" + kOk.substr(0, 10)), FeedResult::kOk);
  EXPECT_EQ(c.feed(kOk.substr(10)), FeedResult::kOk);
  EXPECT_EQ(c.sink.statuses, (std::vector<int>{200, 200}));
  EXPECT_FALSE(c.conn.switched);
}

TEST(ClientHttpConn, SwitchingProtocolsIsItsOwnError) {
  Conn c(1);
  EXPECT_EQ(c.feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                   "Upgrade\r\n\r\n"),
            FeedResult::kError);
  EXPECT_TRUE(c.conn.switched);
  EXPECT_TRUE(c.sink.statuses.empty());
  EXPECT_STREQ(phase_name(ErrorPhase::kSwitched), "switching_protocols");
  // A malformed response stays a parse error.
  Conn bad(1);
  EXPECT_EQ(bad.feed("HTTP/1.1 abc\r\n\r\n"), FeedResult::kError);
  EXPECT_FALSE(bad.conn.switched);
}

}  // namespace
}  // namespace percore::client
