// HeaderWatch fed by http-parser itself, whole and a byte at a time (the fragments a slow client
// produces), and HeadScanner's version and request-line length.
#include "core/http/header_watch.h"

#include <gtest/gtest.h>
#include <http_parser.h>

#include <string>

#include "core/http/head_scanner.h"

namespace percore::http {
namespace {

int field(http_parser* p, const char* at, size_t len) {
  static_cast<HeaderWatch*>(p->data)->on_field(at, len);
  return 0;
}
int value(http_parser* p, const char* at, size_t len) {
  static_cast<HeaderWatch*>(p->data)->on_value(at, len);
  return 0;
}
int done(http_parser* p) {
  static_cast<HeaderWatch*>(p->data)->finish();
  return 0;
}

HeaderWatch watch(const std::string& head, bool bytewise) {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_header_field = field;
  s.on_header_value = value;
  s.on_headers_complete = done;
  http_parser p;
  http_parser_init(&p, HTTP_REQUEST);
  HeaderWatch w;
  p.data = &w;
  if (bytewise) {
    for (char c : head) http_parser_execute(&p, &s, &c, 1);
  } else {
    http_parser_execute(&p, &s, head.data(), head.size());
  }
  EXPECT_EQ(HTTP_PARSER_ERRNO(&p), HPE_OK) << head;
  return w;
}

TEST(HeaderWatch, CountsHostAndReadsExpect) {
  using E = HeaderWatch::Expect;
  struct Case {
    std::string head;
    int hosts;
    E expect;
  };
  for (const Case& k : std::vector<Case>{
           {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1, E::kNone},
           {"GET / HTTP/1.1\r\nX-Empty:\r\nhOsT: a\r\nX: b\r\n\r\n", 1, E::kNone},
           {"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 2, E::kNone},
           {"GET / HTTP/1.1\r\nHostx: a\r\nHos: b\r\nX-Host: c\r\n\r\n", 0, E::kNone},
           {"GET / HTTP/1.1\r\nHost:\r\n\r\n", 1, E::kNone},
           {"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", 0, E::kContinue},
           {"GET / HTTP/1.1\r\nEXPECT:   100-CONTINUE  \r\n\r\n", 0, E::kContinue},
           {"GET / HTTP/1.1\r\nExpect: 100-continue, x\r\n\r\n", 0, E::kOther},
           {"GET / HTTP/1.1\r\nExpect: 100-cont\r\n\r\n", 0, E::kOther},
           {"GET / HTTP/1.1\r\nExpect: 100 -continue\r\n\r\n", 0, E::kOther},
           {"GET / HTTP/1.1\r\nExpect:\r\n\r\n", 0, E::kOther},
           {"GET / HTTP/1.1\r\nExpect: 100-continue\r\nExpect: x\r\n\r\n", 0, E::kOther},
           {"GET / HTTP/1.1\r\nExpectation: x\r\n\r\n", 0, E::kNone}}) {
    for (bool bytewise : {false, true}) {
      HeaderWatch w = watch(k.head, bytewise);
      EXPECT_EQ(w.hosts(), k.hosts) << k.head << bytewise;
      EXPECT_EQ(w.expect(), k.expect) << k.head << bytewise;
    }
  }
}

TEST(HeadScanner, VersionAndRequestLineLength) {
  HeadScanner s(HeadScanner::StartLine::kRequest);
  s.reset();
  std::string line = "PRI * HTTP/2.0\r\n\r\n";
  EXPECT_EQ(s.feed(line.data(), line.size()), HeadError::kNone);
  EXPECT_EQ(s.version_major(), 2);
  EXPECT_EQ(s.start_line_bytes(), 14u);
  s.reset();
  EXPECT_EQ(s.version_major(), -1);
  std::string partial = "GET /abc";
  EXPECT_EQ(s.feed(partial.data(), partial.size()), HeadError::kNone);
  EXPECT_EQ(s.start_line_bytes(), 8u);
}

}  // namespace
}  // namespace percore::http
