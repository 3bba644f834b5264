// The programmable target's pure parts: query parsing and its 400 reasons, fault options and
// their distributions, and the bytes of the cached responses.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/io/send_queue.h"
#include "server/programmable/faults.h"
#include "server/programmable/target_responses.h"
#include "server/programmable/target_spec.h"

namespace percore::server::programmable {
namespace {

TEST(ProgrammableSpec, EveryParameter) {
  TargetSpec s;
  SpecError e;
  ASSERT_TRUE(apply_query(
      "/x?status=503&size=10&delay=1.5ms&chunk=4&close=1&reset=0&drop=false&headers=3", &s, &e))
      << e.text;
  EXPECT_EQ(s.status, 503);
  EXPECT_EQ(s.size, 10);
  EXPECT_EQ(s.delay_ns, 1'500'000);
  EXPECT_TRUE(s.delay_given);
  EXPECT_TRUE(s.chunked);
  EXPECT_EQ(s.chunk, 4);
  EXPECT_TRUE(s.close);
  EXPECT_FALSE(s.reset);
  EXPECT_FALSE(s.drop);
  EXPECT_EQ(s.headers, 3);
  EXPECT_FALSE(e.set());
}

TEST(ProgrammableSpec, NoQueryKeepsTheDefaults) {
  TargetSpec s;
  s.status = 418;
  SpecError e;
  EXPECT_TRUE(apply_query("/plain/path", &s, &e));
  EXPECT_TRUE(apply_query("/?&&", &s, &e));
  EXPECT_EQ(s.status, 418);
}

TEST(ProgrammableSpec, RefusalsNameTheReason) {
  struct Case {
    const char* target;
    const char* reason;
  };
  const Case cases[] = {
      {"/?colour=red", "unknown parameter 'colour'"},
      {"/?status=99", "bad value for status: '99' (200..599)"},
      {"/?status=600", "200..599"},
      {"/?status=2x0", "bad value for status"},
      {"/?size=-1", "bad value for size"},
      {"/?size=67108865", "0..67108864 bytes"},
      {"/?delay=100", "a duration with a unit"},
      {"/?delay=2h", "bad value for delay"},
      {"/?delay=3601s", "at most 1h"},
      {"/?chunked=yes", "bad value for chunked: 'yes' (0 or 1)"},
      {"/?chunk=0", "bad value for chunk"},
      {"/?headers=1001", "0..1000"},
      {"/?reset", "parameter 'reset' has no value"},
  };
  for (const Case& c : cases) {
    TargetSpec s;
    SpecError e;
    EXPECT_FALSE(apply_query(c.target, &s, &e)) << c.target;
    EXPECT_NE(std::string(e.text).find(c.reason), std::string::npos)
        << c.target << " -> " << e.text;
  }
}

TEST(ProgrammableSpec, Delays) {
  int64_t ns = -1;
  EXPECT_TRUE(parse_delay("0", &ns));
  EXPECT_EQ(ns, 0);
  EXPECT_TRUE(parse_delay("250us", &ns));
  EXPECT_EQ(ns, 250'000);
  EXPECT_TRUE(parse_delay("2s", &ns));
  EXPECT_EQ(ns, 2'000'000'000);
  EXPECT_TRUE(parse_delay(".5s", &ns));
  EXPECT_EQ(ns, 500'000'000);
  for (const char* bad : {"", "ms", "1", "1.s", "1..2ms", "-1ms", "1m", "1.0000000001s"}) {
    EXPECT_FALSE(parse_delay(bad, &ns)) << bad;
  }
}

TEST(ProgrammableSpec, TooManyChunksIsRefused) {
  TargetSpec s;
  SpecError e;
  ASSERT_TRUE(apply_query("/?size=1000000&chunk=10", &s, &e));
  EXPECT_FALSE(check_spec(s, 19, &e));
  EXPECT_NE(std::string(e.text).find("more than 65536 chunks"), std::string::npos);
  ASSERT_TRUE(apply_query("/?size=1000000&chunk=1000", &s, &e));
  EXPECT_TRUE(check_spec(s, 19, &e));
}

TEST(ProgrammableFaults, Parsing) {
  double rate = 0;
  int status = 0;
  std::string why;
  EXPECT_TRUE(parse_fail_rate("0.01:502", &rate, &status, &why));
  EXPECT_DOUBLE_EQ(rate, 0.01);
  EXPECT_EQ(status, 502);
  EXPECT_TRUE(parse_fail_rate("0.5", &rate, &status, &why));
  EXPECT_EQ(status, 503);
  EXPECT_FALSE(parse_fail_rate("1.5:503", &rate, &status, &why));
  EXPECT_FALSE(parse_fail_rate("0.1:99", &rate, &status, &why));
  EXPECT_FALSE(parse_rate("x", &rate, &why));
  DelayDist d;
  EXPECT_TRUE(parse_delay_dist("uniform:1ms..5ms", &d, &why));
  EXPECT_EQ(d.kind, DelayDist::Kind::kUniform);
  EXPECT_EQ(d.low_ns, 1'000'000);
  EXPECT_EQ(d.high_ns, 5'000'000);
  EXPECT_TRUE(parse_delay_dist("exp 2ms", &d, &why));
  EXPECT_EQ(d.kind, DelayDist::Kind::kExponential);
  EXPECT_EQ(d.mean_ns, 2'000'000);
  EXPECT_TRUE(parse_delay_dist("fixed", &d, &why));
  EXPECT_EQ(d.kind, DelayDist::Kind::kFixed);
  for (const char* bad : {"uniform:5ms..1ms", "uniform:1ms", "exp:0", "normal:1ms", "fixed:1ms"}) {
    EXPECT_FALSE(parse_delay_dist(bad, &d, &why)) << bad;
  }
}

TEST(ProgrammableFaults, DistributionsStayInRangeWithTheRightMean) {
  FaultDice dice(42);
  DelayDist uniform{DelayDist::Kind::kUniform, 1'000'000, 3'000'000, 0};
  DelayDist exp{DelayDist::Kind::kExponential, 0, 0, 2'000'000};
  double usum = 0, esum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    int64_t u = dice.delay(uniform, 0);
    ASSERT_GE(u, 1'000'000);
    ASSERT_LE(u, 3'000'000);
    usum += static_cast<double>(u);
    int64_t e = dice.delay(exp, 0);
    ASSERT_GE(e, 0);
    esum += static_cast<double>(e);
  }
  EXPECT_NEAR(usum / n, 2'000'000, 50'000);
  EXPECT_NEAR(esum / n, 2'000'000, 100'000);
  EXPECT_EQ(dice.delay(DelayDist{}, 7), 7);
  int hits = 0;
  for (int i = 0; i < n; ++i) hits += dice.roll(0.1);
  EXPECT_NEAR(hits, n / 10, n / 50);
  EXPECT_FALSE(dice.roll(0));
}

// Everything queued, as one string.
std::string drain(io::SendQueue& q) {
  int n = 0;
  iovec* iov = q.start_send(&n);
  std::string out;
  for (int i = 0; i < n; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  q.finish_send();
  return out;
}

TEST(ProgrammableResponses, SizedBodyWithHeadersAndClose) {
  TargetResponses r("default\n");
  io::SendQueue q;
  TargetSpec s;
  s.status = 503;
  s.size = 3000;
  s.headers = 2;
  r.append(s, true, false, &q);
  std::string out = drain(q);
  size_t end = out.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  std::string head = out.substr(0, end + 4);
  EXPECT_EQ(head.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: 3000\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Percore-1: "), std::string::npos);
  EXPECT_NE(head.find("X-Percore-2: "), std::string::npos);
  EXPECT_EQ(head.find("X-Percore-3: "), std::string::npos);
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(head.find("Date: "), std::string::npos);
  EXPECT_EQ(out.size() - head.size(), 3000u);
  EXPECT_EQ(out.substr(head.size(), 8), "percore ");
}

TEST(ProgrammableResponses, HeadsAreCachedPerDistinctAnswer) {
  TargetResponses r("default\n");
  io::SendQueue q;
  TargetSpec s;
  s.size = 1024;
  std::string first, second;
  r.append(s, false, false, &q);
  first = drain(q);
  r.append(s, false, false, &q);
  second = drain(q);
  EXPECT_EQ(first, second);
  EXPECT_EQ(r.cached_heads(), 1u);
  s.size = 1025;
  r.append(s, false, false, &q);
  drain(q);
  EXPECT_EQ(r.cached_heads(), 2u);
  TargetSpec def;
  r.append(def, false, false, &q);
  std::string d = drain(q);
  EXPECT_NE(d.find("Content-Length: 8\r\n"), std::string::npos) << d;
  EXPECT_EQ(d.substr(d.size() - 8), "default\n");
}

TEST(ProgrammableResponses, ChunkedFraming) {
  TargetResponses r("default\n");
  io::SendQueue q;
  TargetSpec s;
  s.size = 10;
  s.chunked = true;
  s.chunk = 4;
  r.append(s, false, false, &q);
  std::string out = drain(q);
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  std::string body = out.substr(out.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "4\r\nperc\r\n4\r\nore \r\n2\r\npe\r\n0\r\n\r\n");
  s.chunk = 0;  // one chunk
  r.append(s, false, false, &q);
  out = drain(q);
  EXPECT_EQ(out.substr(out.find("\r\n\r\n") + 4), "a\r\npercore pe\r\n0\r\n\r\n");
}

TEST(ProgrammableResponses, HeadAnd204And304HaveNoBody) {
  TargetResponses r("default\n");
  io::SendQueue q;
  TargetSpec s;
  s.size = 100;
  r.append(s, false, true, &q);
  std::string out = drain(q);
  EXPECT_NE(out.find("Content-Length: 100\r\n"), std::string::npos);
  EXPECT_EQ(out.size(), out.find("\r\n\r\n") + 4);
  s.status = 204;
  r.append(s, false, false, &q);
  out = drain(q);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_EQ(out.size(), out.find("\r\n\r\n") + 4);
  s.status = 304;
  s.chunked = true;
  r.append(s, false, false, &q);
  out = drain(q);
  EXPECT_EQ(out.find("Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(out.size(), out.find("\r\n\r\n") + 4);
  // A 304 with Content-Length: 0 would claim the representation is empty.
  s.chunked = false;
  r.append(s, false, false, &q);
  out = drain(q);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos) << out;
  EXPECT_EQ(out.size(), out.find("\r\n\r\n") + 4);
}

// Every registered status has its standard phrase; others get their class's.
TEST(ProgrammableResponses, ReasonPhrases) {
  TargetResponses r("default\n");
  io::SendQueue q;
  TargetSpec s;
  for (auto [status, line] : std::vector<std::pair<int, std::string>>{
           {418, "HTTP/1.1 418 I'm a teapot\r\n"},
           {422, "HTTP/1.1 422 Unprocessable Entity\r\n"},
           {451, "HTTP/1.1 451 Unavailable For Legal Reasons\r\n"},
           {299, "HTTP/1.1 299 Success\r\n"},
           {399, "HTTP/1.1 399 Redirection\r\n"},
           {499, "HTTP/1.1 499 Client Error\r\n"},
           {599, "HTTP/1.1 599 Server Error\r\n"},
           {503, "HTTP/1.1 503 Service Unavailable\r\n"}}) {
    s.status = status;
    r.append(s, false, false, &q);
    std::string out = drain(q);
    EXPECT_EQ(out.rfind(line, 0), 0u) << out;
  }
}

// Repeated parameters: the last one wins, as documented in README.md.
TEST(ProgrammableSpec, RepeatedParameterLastWins) {
  TargetSpec s;
  SpecError e;
  ASSERT_TRUE(apply_query("/?status=503&size=1&status=404", &s, &e)) << e.text;
  EXPECT_EQ(s.status, 404);
}

TEST(ProgrammableResponses, BadRequestCarriesTheReason) {
  TargetResponses r("default\n");
  io::SendQueue q;
  r.append_bad_request("unknown parameter 'x'", &q);
  std::string out = drain(q);
  EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u);
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  std::string body = "400 Bad Request: unknown parameter 'x'\n";
  EXPECT_NE(out.find("Content-Length: " + std::to_string(body.size())), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - body.size()), body);
}

}  // namespace
}  // namespace percore::server::programmable
