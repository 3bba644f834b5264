// The shared RFC 9112 head check (core/http/head_scanner): what it accepts and what it refuses,
// whole and split at every byte, for request heads (server and proxy client side).
#include <gtest/gtest.h>

#include <string>

#include "core/http/head_scanner.h"

namespace percore::http {
namespace {

// The verdict on `head` fed in two pieces split at `split`; the same for every split.
HeadError scan_request(const std::string& head) {
  HeadError whole = HeadError::kNone;
  for (size_t split = 0; split <= head.size(); ++split) {
    HeadScanner s(HeadScanner::StartLine::kRequest);
    s.reset();
    HeadError e = s.feed(head.data(), split);
    if (e == HeadError::kNone) e = s.feed(head.data() + split, head.size() - split);
    if (split == 0) {
      whole = e;
    } else {
      EXPECT_EQ(e, whole) << "split at " << split << " of " << head;
    }
  }
  return whole;
}

TEST(RequestHeadCheck, AcceptsWellFormedRequests) {
  for (const char* head : {
           "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
           "\r\nGET /a/b?c=d&e HTTP/1.1\r\nHost: x\r\n\r\n",  // an empty line first is allowed
           "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
           "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n",
           "GET http://x/y HTTP/1.1\r\nHost: x\r\n\r\n",
           "M-SEARCH * HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET / HTTP/1.0\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Tab:\ta\tb\r\nX-Utf8: \xc3\xa9\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: x\r\n!#$%&'*+-.^_`|~09az: v\r\n\r\n",
       }) {
    EXPECT_EQ(scan_request(head), HeadError::kNone) << head;
  }
}

TEST(RequestHeadCheck, FieldNamesAreTokensWithNoSpaceBeforeTheColon) {
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHo st: x\r\n\r\n"), HeadError::kSpaceBeforeColon);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), HeadError::kSpaceBeforeColon);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n"), HeadError::kSpaceBeforeColon);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHo\"st: x\r\n\r\n"), HeadError::kBadHeaderName);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHost(x): x\r\n\r\n"), HeadError::kBadHeaderName);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\n: x\r\n\r\n"), HeadError::kBadHeaderName);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHost\r\n\r\n"), HeadError::kBadHeaderName);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nH\xc3\xa9: x\r\n\r\n"), HeadError::kBadHeaderName);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\n Host: x\r\n\r\n"), HeadError::kObsFold);
}

TEST(RequestHeadCheck, NoControlCharactersInValues) {
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01z\r\n\r\n"),
            HeadError::kBadHeaderValue);
  const char kNul[] = "GET / HTTP/1.1\r\nHost: x\r\nX: a\0z\r\n\r\n";
  EXPECT_EQ(scan_request(std::string(kNul, sizeof(kNul) - 1)), HeadError::kBadHeaderValue);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHost: x\r\nX: a\x7fz\r\n\r\n"),
            HeadError::kBadHeaderValue);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHost: x\rz\r\n\r\n"), HeadError::kBadLineEnding);
  EXPECT_EQ(scan_request("GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n"), HeadError::kBadLineEnding);
}

TEST(RequestHeadCheck, RequestLineIsMethodTargetVersion) {
  for (const char* head : {
           "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",         // two spaces
           "GET /  HTTP/1.1\r\nHost: x\r\n\r\n",         // two spaces
           " GET / HTTP/1.1\r\nHost: x\r\n\r\n",         // leading space
           "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",         // trailing space
           "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n",         // tab as separator
           "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",          // method not a token
           "GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n",     // control in target
           "GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",  // raw non-ASCII in target
           "GET / HTTP/1.10\r\nHost: x\r\n\r\n",
           "GET / HTTP/11\r\nHost: x\r\n\r\n",
           "GET / http/1.1\r\nHost: x\r\n\r\n",
           "GET / HTTP/1.\r\nHost: x\r\n\r\n",
           "GET /\r\nHost: x\r\n\r\n",  // HTTP/0.9 style
           "GET\r\n\r\n",
       }) {
    EXPECT_EQ(scan_request(head), HeadError::kBadRequestLine) << head;
  }
}

TEST(RequestHeadCheck, StatusLinesAreLeftToTheParser) {
  HeadScanner s;
  s.reset();
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(s.feed(head.data(), head.size()), HeadError::kNone);
  EXPECT_TRUE(s.done());
  HeadScanner bad;
  bad.reset();
  head = "HTTP/1.1 200 OK\r\nContent Length: 0\r\n\r\n";
  EXPECT_EQ(bad.feed(head.data(), head.size()), HeadError::kSpaceBeforeColon);
}

TEST(RequestHeadCheck, StartedOnlyByARequestByte) {
  HeadScanner s(HeadScanner::StartLine::kRequest);
  s.reset();
  EXPECT_FALSE(s.started());
  EXPECT_EQ(s.feed("\r\n", 2), HeadError::kNone);
  EXPECT_FALSE(s.started());
  EXPECT_EQ(s.feed("G", 1), HeadError::kNone);
  EXPECT_TRUE(s.started());
}

}  // namespace
}  // namespace percore::http
