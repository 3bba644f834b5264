#include "core/http/response_cache.h"

#include <gtest/gtest.h>

namespace percore::http {
namespace {

TEST(ResponseCache, HeadsCarryLengthConnectionAndDate) {
  ResponseCache cache(-1);
  cache.refresh(0);
  std::string ok(cache.head(Reply::kOk));
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(ok.find("Content-Length: 19\r\n"), std::string::npos);
  EXPECT_NE(ok.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(ok.find("Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"), std::string::npos);
  EXPECT_EQ(ok.substr(ok.size() - 4), "\r\n\r\n");
  EXPECT_NE(std::string(cache.head(Reply::kOkClose)).find("Connection: close"), std::string::npos);
  EXPECT_TRUE(cache.body(Reply::kHeadOk).empty());
  EXPECT_EQ(cache.body(Reply::kOk), "Hello from percore\n");
}

TEST(ResponseCache, DateChangesOnlyWithTheSecond) {
  ResponseCache cache(-1);
  cache.refresh(1000);
  std::string first(cache.head(Reply::kOk));
  cache.refresh(1000);
  EXPECT_EQ(first, cache.head(Reply::kOk));
  cache.refresh(1001);
  EXPECT_NE(first, cache.head(Reply::kOk));
}

TEST(ResponseCache, BodySizeAndErrorReplies) {
  ResponseCache cache(100000);
  EXPECT_EQ(cache.body(Reply::kOk).size(), 100000u);
  EXPECT_NE(std::string(cache.head(Reply::kOk)).find("Content-Length: 100000\r\n"),
            std::string::npos);
  EXPECT_EQ(cache.status(Reply::kHeadersTooLarge), 431);
  EXPECT_EQ(cache.status(Reply::kBadVersion), 505);
  EXPECT_TRUE(closes_connection(Reply::kBadRequest));
  EXPECT_FALSE(closes_connection(Reply::kHeadOk));
  std::string bad(cache.head(Reply::kBadRequest));
  EXPECT_NE(bad.find("Content-Length: " + std::to_string(cache.body(Reply::kBadRequest).size())),
            std::string::npos);
}

}  // namespace
}  // namespace percore::http
