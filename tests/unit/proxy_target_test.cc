// Unit tests for the request target a proxy sends on: origin-form passes, absolute-form becomes
// origin-form with its authority as Host, and targets it cannot forward are refused.
#include <gtest/gtest.h>

#include <string>

#include "core/http/message_head.h"
#include "core/http/request_target.h"

namespace percore::http {
namespace {

struct Sent {
  RequestProblem problem;
  std::string target;
  std::string authority;
};

Sent sent(std::string_view target) {
  ForwardTarget t;
  Sent s{forward_target(target, &t), {}, std::string(t.authority)};
  append_target(t, &s.target);
  return s;
}

TEST(ForwardTarget, OriginAndAsteriskFormPassUnchanged) {
  for (const char* t : {"/", "/a/b?x=1", "*", "/http://x"}) {
    Sent s = sent(t);
    EXPECT_EQ(s.problem, RequestProblem::kNone) << t;
    EXPECT_EQ(s.target, t);
    EXPECT_EQ(s.authority, "") << t;
  }
}

TEST(ForwardTarget, AbsoluteFormBecomesOriginFormWithItsAuthority) {
  struct Case {
    const char* in;
    const char* target;
    const char* authority;
  };
  for (Case c :
       {Case{"http://example.com/a/b?x=1&y=2", "/a/b?x=1&y=2", "example.com"},
        Case{"http://example.com:8080/p", "/p", "example.com:8080"},
        Case{"HTTPS://Example.com", "/", "Example.com"},
        Case{"http://example.com?q=1", "/?q=1", "example.com"},
        Case{"http://example.com/p#frag", "/p", "example.com"},
        Case{"http://example.com/p?q#frag", "/p?q", "example.com"},
        Case{"http://example.com?", "/?", "example.com"},
        Case{"http://[::1]:81/v6", "/v6", "[::1]:81"}, Case{"http://[::1]?q", "/?q", "[::1]"},
        Case{"http://10.0.0.1:80", "/", "10.0.0.1:80"}}) {
    Sent s = sent(c.in);
    EXPECT_EQ(s.problem, RequestProblem::kNone) << c.in;
    EXPECT_EQ(s.target, c.target) << c.in;
    EXPECT_EQ(s.authority, c.authority) << c.in;
  }
}

TEST(ForwardTarget, RefusesWhatItCannotForward) {
  for (const char* t : {"ftp://example.com/x", "http://user:pw@example.com/", "http:///x",
                        "http://example.com:99999/", "http://example.com:/x", "mailto:a@b",
                        "http:example.com/x", "example.com"}) {
    EXPECT_EQ(sent(t).problem, RequestProblem::kBadRequestTarget) << t;
  }
  std::string huge = "http://h/" + std::string(70000, 'a');
  EXPECT_EQ(sent(huge).problem, RequestProblem::kBadRequestTarget);
}

MessageHead head_with(std::initializer_list<std::pair<std::string, std::string>> fields,
                      const std::string& target) {
  MessageHead h;
  h.reset();
  h.add_url(target.data(), target.size());
  for (const auto& [n, v] : fields) {
    h.add_field(n.data(), n.size());
    h.add_value(v.data(), v.size());
  }
  return h;
}

TEST(ForwardTarget, AuthorityReplacesTheReceivedHost) {
  MessageHead h = head_with({{"host", "stale"}, {"Accept", "*/*"}}, "http://example.com:8080/p?q");
  ForwardTarget t;
  ASSERT_EQ(forward_target(h.target(), &t), RequestProblem::kNone);
  std::string out;
  build_request_head(h, t, "GET", 1, "192.0.2.7", &out);
  EXPECT_EQ(out,
            "GET /p?q HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\n"
            "X-Forwarded-For: 192.0.2.7\r\n\r\n");
  // HTTP/1.0 may come without Host: the authority supplies it.
  h = head_with({}, "http://example.com");
  ASSERT_EQ(forward_target(h.target(), &t), RequestProblem::kNone);
  out.clear();
  build_request_head(h, t, "GET", 0, "::1", &out);
  EXPECT_EQ(out,
            "GET / HTTP/1.0\r\nHost: example.com\r\nX-Forwarded-For: ::1\r\n"
            "Connection: keep-alive\r\n\r\n");
}

}  // namespace
}  // namespace percore::http
