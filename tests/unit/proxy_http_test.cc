// Unit tests for the proxy's HTTP pieces: the raw head scanner, the request checks, the head
// rebuilt for forwarding, and the latency buckets.
#include <gtest/gtest.h>
#include <http_parser.h>

#include <string>

#include "core/http/head_scanner.h"
#include "core/http/message_head.h"
#include "core/http/request_checks.h"
#include "core/stats/latency_buckets.h"

namespace percore::http {
namespace {

HeadError scan(const std::string& head, size_t split = 0) {
  HeadScanner s;
  s.reset();
  if (split > 0 && split < head.size()) {
    HeadError e = s.feed(head.data(), split);
    if (e != HeadError::kNone) return e;
    return s.feed(head.data() + split, head.size() - split);
  }
  return s.feed(head.data(), head.size());
}

TEST(HeadScanner, AcceptsCleanHeadsAndStopsAtTheBlankLine) {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-A: b c\r\n\r\n";
  for (size_t split = 0; split < head.size(); ++split)
    EXPECT_EQ(scan(head, split), HeadError::kNone);
  HeadScanner s;
  s.reset();
  std::string with_body = head + "bare\nlf in body\r";
  EXPECT_EQ(s.feed(with_body.data(), with_body.size()), HeadError::kNone);
  EXPECT_TRUE(s.done());
}

TEST(HeadScanner, RejectsWhatHttpParserLetsThrough) {
  EXPECT_EQ(scan("GET / HTTP/1.1\nHost: a\n\n"), HeadError::kBadLineEnding);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: a\r\n\n"), HeadError::kBadLineEnding);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), HeadError::kBadLineEnding);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n"), HeadError::kObsFold);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: a\r\n\tb\r\n\r\n"), HeadError::kObsFold);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), HeadError::kSpaceBeforeColon);
  // Split anywhere, the verdict is the same.
  std::string fold = "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n";
  for (size_t split = 1; split < fold.size(); ++split)
    EXPECT_EQ(scan(fold, split), HeadError::kObsFold);
}

MessageHead head_of(std::initializer_list<std::pair<std::string, std::string>> fields,
                    const std::string& target = "/") {
  MessageHead h;
  h.reset();
  h.add_url(target.data(), target.size());
  for (const auto& [n, v] : fields) {
    // Fragmented, as http-parser may deliver them across reads.
    h.add_field(n.data(), 1);
    h.add_field(n.data() + 1, n.size() - 1);
    h.add_value(v.data(), v.size());
  }
  return h;
}

TEST(RequestChecks, FramingRules) {
  RequestFraming f;
  EXPECT_EQ(check_request(head_of({{"Host", "a"}, {"Content-Length", "12"}}), 1, &f),
            RequestProblem::kNone);
  EXPECT_TRUE(f.has_length);
  EXPECT_EQ(f.content_length, 12u);
  EXPECT_EQ(check_request(head_of({{"Host", "a"}, {"transfer-encoding", "Chunked"}}), 1, &f),
            RequestProblem::kNone);
  EXPECT_TRUE(f.chunked);
  EXPECT_EQ(check_request(
                head_of({{"Host", "a"}, {"Content-Length", "1"}, {"Transfer-Encoding", "chunked"}}),
                1, &f),
            RequestProblem::kContentLengthAndTransferEncoding);
  EXPECT_EQ(check_request(
                head_of({{"Host", "a"}, {"Content-Length", "1"}, {"Content-Length", "1"}}), 1, &f),
            RequestProblem::kDuplicateContentLength);
  for (const char* bad : {"", "1,1", "-1", "+1", "0x1", "1 1", "99999999999999999999"}) {
    EXPECT_EQ(check_request(head_of({{"Host", "a"}, {"Content-Length", bad}}), 1, &f),
              RequestProblem::kInvalidContentLength)
        << bad;
  }
  for (const char* bad : {"chunked,", "chunked\t", "gzip, chunked", "chunked, identity", "identity",
                          "xchunked", "chunked chunked"}) {
    EXPECT_EQ(check_request(head_of({{"Host", "a"}, {"Transfer-Encoding", bad}}), 1, &f),
              RequestProblem::kBadTransferEncoding)
        << bad;
  }
}

TEST(RequestChecks, NamesValuesAndHost) {
  RequestFraming f;
  EXPECT_EQ(check_request(head_of({{"Host", "a"}, {"Bad Name", "x"}}), 1, &f),
            RequestProblem::kBadHeaderName);
  EXPECT_EQ(check_request(head_of({{"Host", "a"}, {"X", std::string("a\0b", 3)}}), 1, &f),
            RequestProblem::kBadHeaderValue);
  EXPECT_EQ(check_request(head_of({}), 1, &f), RequestProblem::kMissingOrDuplicateHost);
  EXPECT_EQ(check_request(head_of({}), 0, &f), RequestProblem::kNone);
  EXPECT_EQ(check_request(head_of({{"Host", "a"}, {"host", "b"}}), 0, &f),
            RequestProblem::kMissingOrDuplicateHost);
}

TEST(MessageHead, RequestHeadDropsHopByHopAndAppendsForwardedFor) {
  MessageHead h = head_of({{"Host", "a"},
                           {"Connection", "close, X-Private"},
                           {"X-Private", "1"},
                           {"Keep-Alive", "5"},
                           {"TE", "trailers"},
                           {"X-Forwarded-For", "10.0.0.1"},
                           {"Content-Length", "3"},
                           {"Accept", "*/*"}},
                          "/p?q=1");
  std::string out;
  build_request_head(h, "POST", 1, "192.0.2.7", &out);
  EXPECT_EQ(out,
            "POST /p?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nAccept: */*\r\n"
            "X-Forwarded-For: 10.0.0.1, 192.0.2.7\r\n\r\n");
  out.clear();
  build_request_head(head_of({{"Host", "a"}}), "GET", 0, "::1", &out);
  EXPECT_EQ(out,
            "GET / HTTP/1.0\r\nHost: a\r\nX-Forwarded-For: ::1\r\nConnection: keep-alive\r\n\r\n");
}

TEST(MessageHead, ResponseHeadCarriesOurConnectionHeader) {
  MessageHead h;
  h.reset();
  h.add_reason("OK", 2);
  for (auto [n, v] : {std::pair<std::string, std::string>{"Connection", "keep-alive"},
                      {"Keep-Alive", "timeout=5"},
                      {"Transfer-Encoding", "chunked"},
                      {"Server", "x"}}) {
    h.add_field(n.data(), n.size());
    h.add_value(v.data(), v.size());
  }
  std::string out;
  build_response_head(h, 200, 1, true, &out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer: x\r\n\r\n");
  out.clear();
  build_response_head(h, 200, 1, false, &out);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  out.clear();
  build_response_head(h, 200, 0, true, &out);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
}

// RFC 9110 8.6 and RFC 9112 6.1: a 204 (or 1xx) cannot have a body, so its framing headers go;
// a 304 keeps its Content-Length, which describes the representation.
TEST(MessageHead, ResponseHeadDropsFramingOnlyWhereNoBodyCanBe) {
  MessageHead h;
  h.reset();
  for (auto [n, v] : {std::pair<std::string, std::string>{"Content-Length", "5"},
                      {"transfer-encoding", "chunked"},
                      {"ETag", "\"x\""}}) {
    h.add_field(n.data(), n.size());
    h.add_value(v.data(), v.size());
  }
  std::string out;
  build_response_head(h, 204, 1, true, &out);
  EXPECT_EQ(out, "HTTP/1.1 204 \r\nETag: \"x\"\r\n\r\n");
  out.clear();
  build_response_head(h, 103, 1, true, &out);
  EXPECT_EQ(out, "HTTP/1.1 103 \r\nETag: \"x\"\r\n\r\n");
  out.clear();
  build_response_head(h, 304, 1, true, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 304 \r\nContent-Length: 5\r\ntransfer-encoding: chunked\r\n"
            "ETag: \"x\"\r\n\r\n");
}

}  // namespace
}  // namespace percore::http

namespace percore::stats {
namespace {

TEST(LatencyBuckets, MonotonicAndQuantiles) {
  int prev = 0;
  for (int64_t ns = 1000; ns < int64_t{60} * 1'000'000'000; ns = ns * 11 / 10 + 1) {
    int b = latency_bucket(ns);
    EXPECT_GE(b, prev);
    EXPECT_GE(latency_bucket_upper_us(b), static_cast<double>(ns / 1000));
    EXPECT_LE(latency_bucket_upper_us(b), static_cast<double>(ns / 1000) * 1.26 + 1);
    prev = b;
  }
  uint64_t counts[kLatencyBuckets] = {};
  for (int i = 0; i < 99; ++i) counts[latency_bucket(100'000)]++;  // 100 us
  counts[latency_bucket(50'000'000)]++;                            // 50 ms
  double p50 = latency_quantile_us(counts, 0.5);
  EXPECT_GE(p50, 100);
  EXPECT_LE(p50, 130);
  EXPECT_LE(latency_quantile_us(counts, 0.99), 130);
  EXPECT_GE(latency_quantile_us(counts, 1.0), 50'000);
}

}  // namespace
}  // namespace percore::stats
