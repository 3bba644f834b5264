// Flag, URL and duration parsing for `client http`: good values land in Options, bad ones give one
// line naming the problem.
#include <gtest/gtest.h>
#include <sched.h>

#include <utility>

#include <fstream>
#include <string>
#include <vector>

#include "client/flags/duration.h"
#include "client/flags/flag_value_error.h"
#include "client/flags/flags.h"
#include "client/http/url.h"
#include "client/result/fail_if.h"
#include "tests/unit/client_flags_util.h"

namespace percore::client {
namespace {

ParseStatus parse(std::vector<std::string> args, Options* o, std::string* msg) {
  return parse_args(std::move(args), o, msg);
}

TEST(ClientUrl, ParsesNumericHostsPortsAndTargets) {
  Url u;
  std::string err;
  ASSERT_TRUE(parse_url("http://127.0.0.1:8080/a/b?x=1", &u, &err)) << err;
  EXPECT_EQ(u.address.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(u.host_header, "127.0.0.1:8080");
  EXPECT_EQ(u.target, "/a/b?x=1");
  ASSERT_TRUE(parse_url("http://localhost", &u, &err)) << err;
  EXPECT_EQ(u.address.to_string(), "127.0.0.1:80");
  EXPECT_EQ(u.target, "/");
  ASSERT_TRUE(parse_url("http://[::1]:9000?q", &u, &err)) << err;
  EXPECT_EQ(u.address.to_string(), "[::1]:9000");
  EXPECT_EQ(u.target, "/?q");
}

TEST(ClientUrl, RejectsWhatItCannotServe) {
  Url u;
  std::string err;
  EXPECT_FALSE(parse_url("https://127.0.0.1/", &u, &err));
  EXPECT_NE(err.find("https"), std::string::npos);
  EXPECT_FALSE(parse_url("127.0.0.1:80", &u, &err));
  EXPECT_FALSE(parse_url("http://example.com/", &u, &err));
  EXPECT_NE(err.find("DNS"), std::string::npos) << err;
  EXPECT_FALSE(parse_url("http://127.0.0.1:99999/", &u, &err));
  EXPECT_FALSE(parse_url("http://127.0.0.1/a b", &u, &err));
  EXPECT_EQ(err.find('\n'), std::string::npos);
}

TEST(ClientDuration, UnitsAndPlainSeconds) {
  int64_t ns = 0;
  std::string err;
  struct Case {
    const char* text;
    int64_t ns;
  };
  for (const Case& c :
       {Case{"10s", 10'000'000'000}, Case{"500ms", 500'000'000}, Case{"2m", 120'000'000'000},
        Case{"3", 3'000'000'000}, Case{"250us", 250'000}, Case{"1.5s", 1'500'000'000}}) {
    ASSERT_TRUE(parse_duration(c.text, &ns, &err)) << c.text;
    EXPECT_EQ(ns, c.ns) << c.text;
  }
  EXPECT_FALSE(parse_duration("", &ns, &err));
  EXPECT_FALSE(parse_duration("10x", &ns, &err));
  EXPECT_FALSE(parse_duration("-1s", &ns, &err));
  EXPECT_FALSE(parse_duration("fast", &ns, &err));
}

TEST(ClientFlags, FullSet) {
  const char* path = "/tmp/percore-client-flags-body";
  std::ofstream(path) << "abc";
  Options o;
  std::string msg;
  ASSERT_EQ(parse({"http",
                   "-c",
                   "100",
                   "-t",
                   "2",
                   "--start-core",
                   "1",
                   "-d",
                   "10s",
                   "-n",
                   "5000",
                   "--warmup",
                   "2s",
                   "--pipeline",
                   "4",
                   "-R",
                   "1000",
                   "-m",
                   "POST",
                   "-H",
                   "X-A: 1, 2",
                   "-H",
                   "X-B:3",
                   "--body-file",
                   path,
                   "--timeout",
                   "500ms",
                   "--json",
                   "out.json",
                   "--fail-if",
                   "p99>5ms",
                   "--fail-if",
                   "errors>0",
                   "-q",
                   "--io",
                   "epoll",
                   "http://127.0.0.1:8080/"},
                  &o, &msg),
            ParseStatus::kOk)
      << msg;
  EXPECT_EQ(o.connections, 100);
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.start_core, 1);
  EXPECT_EQ(o.duration_ns, 10'000'000'000);
  EXPECT_EQ(o.requests, 5000u);
  EXPECT_EQ(o.warmup_ns, 2'000'000'000);
  EXPECT_EQ(o.pipeline, 4);
  EXPECT_DOUBLE_EQ(o.rate, 1000);
  EXPECT_EQ(o.method, "POST");
  ASSERT_EQ(o.headers.size(), 2u);
  EXPECT_EQ(o.headers[0], "X-A: 1, 2");  // commas are not separators
  EXPECT_EQ(o.body, "abc");
  EXPECT_EQ(o.timeout_ns, 500'000'000);
  EXPECT_EQ(o.json_path, "out.json");
  ASSERT_EQ(o.fail_if.size(), 2u);
  EXPECT_EQ(o.fail_if[0].metric, "p99");
  EXPECT_DOUBLE_EQ(o.fail_if[0].value, 5000);
  EXPECT_TRUE(o.quiet);
  EXPECT_EQ(o.io, io::BackendKind::kEpoll);
  std::remove(path);
}

TEST(ClientFlags, DefaultsAreTenSecondsKeepAliveAndThreadsCappedByConnections) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse({"http", "-c", "1", "http://127.0.0.1:1/"}, &o, &msg), ParseStatus::kOk) << msg;
  EXPECT_EQ(o.duration_ns, 10'000'000'000);
  EXPECT_TRUE(o.keepalive);
  EXPECT_EQ(o.threads, 1);
  Options n;
  ASSERT_EQ(parse({"http", "-n", "100", "http://127.0.0.1:1/"}, &n, &msg), ParseStatus::kOk);
  EXPECT_EQ(n.duration_ns, 0);  // -n alone has no time limit
}

TEST(ClientFlags, BadInputIsOneLine) {
  std::vector<std::vector<std::string>> bad = {
      {},
      {"tcp", "http://127.0.0.1:1/"},
      {"http"},
      {"http", "--bogus", "http://127.0.0.1:1/"},
      {"http", "-c", "zero", "http://127.0.0.1:1/"},
      {"http", "-c", "0", "http://127.0.0.1:1/"},
      {"http", "-d", "10x", "http://127.0.0.1:1/"},
      {"http", "-d", "1s", "--warmup", "2s", "http://127.0.0.1:1/"},
      {"http", "--no-keepalive", "--pipeline", "4", "http://127.0.0.1:1/"},
      {"http", "-H", "NoColon", "http://127.0.0.1:1/"},
      {"http", "--body-file", "/nonexistent/file", "http://127.0.0.1:1/"},
      {"http", "--fail-if", "p99>5", "http://127.0.0.1:1/"},
      {"http", "--fail-if", "speed>5", "http://127.0.0.1:1/"},
      {"http", "--io", "kqueue", "http://127.0.0.1:1/"},
      {"http", "ftp://127.0.0.1/"},
      {"http", "http://127.0.0.1:1/", "extra"},
  };
  for (const auto& args : bad) {
    Options o;
    std::string msg;
    EXPECT_EQ(parse(args, &o, &msg), ParseStatus::kError) << testing::PrintToString(args);
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

// The error names what this system's build accepts (client.exe says "auto or iocp").
TEST(ClientFlags, BadIoNamesTheBackendsOfThisSystem) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse({"http", "--io", "kqueue", "http://127.0.0.1:1/"}, &o, &msg),
            ParseStatus::kError);
  EXPECT_NE(msg.find("'kqueue'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("auto, epoll or uring"), std::string::npos) << msg;
}

}  // namespace
}  // namespace percore::client

namespace percore::client {
namespace {

// The default -t is the number of CPUs this process may run on: under `taskset -c 1`, one worker
// (not one per online CPU, all pinned to that one CPU).
TEST(ClientFlagsDefaults, ThreadsFollowTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  int first = -1;
  for (int c = 0; c < CPU_SETSIZE && first < 0; ++c) {
    if (CPU_ISSET(c, &saved)) first = c;
  }
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  Options o;
  std::string msg;
  ParseStatus st = parse_args({"http", "-c", "64", "http://127.0.0.1:8080/"}, &o, &msg);
  sched_setaffinity(0, sizeof(saved), &saved);
  ASSERT_EQ(st, ParseStatus::kOk) << msg;
  EXPECT_EQ(o.threads, 1);
}

TEST(ClientFlagsDefaults, FailIfTakesSpacesAndNamesABadOperator) {
  Threshold t;
  std::string err;
  ASSERT_TRUE(parse_threshold(" p99 > 1us ", &t, &err)) << err;
  EXPECT_EQ(t.metric, "p99");
  EXPECT_EQ(t.op, Threshold::Op::kGreater);
  EXPECT_DOUBLE_EQ(t.value, 1);
  ASSERT_TRUE(parse_threshold("achieved_rate <= 990", &t, &err)) << err;
  EXPECT_EQ(t.op, Threshold::Op::kLessEqual);
  EXPECT_DOUBLE_EQ(t.value, 990);
  EXPECT_FALSE(parse_threshold("p99>>1ms", &t, &err));
  EXPECT_NE(err.find("operator"), std::string::npos) << err;
  EXPECT_FALSE(parse_threshold(" > 5", &t, &err));
}

TEST(ClientFlagsDefaults, SchemeIsCaseInsensitiveAndPortZeroRefused) {
  Url u;
  std::string err;
  EXPECT_TRUE(parse_url("HTTP://127.0.0.1:8080/x", &u, &err)) << err;
  EXPECT_EQ(u.target, "/x");
  EXPECT_FALSE(parse_url("HtTpS://127.0.0.1/", &u, &err));
  EXPECT_NE(err.find("https"), std::string::npos) << err;
  EXPECT_FALSE(parse_url("http://127.0.0.1:0/", &u, &err));
  EXPECT_NE(err.find("port"), std::string::npos) << err;
  ASSERT_TRUE(parse_url("http://localhost:8080/", &u, &err)) << err;
  ASSERT_EQ(u.alternatives.size(), 1u);
  EXPECT_EQ(u.alternatives[0].to_string(), "[::1]:8080");
  ASSERT_TRUE(parse_url("http://127.0.0.1:8080/", &u, &err)) << err;
  EXPECT_TRUE(u.alternatives.empty());
}

}  // namespace
}  // namespace percore::client

namespace percore::client {
namespace {

// cxxopts' "Argument 'abc' failed to parse" does not say which flag; the client's does.
TEST(ClientFlags, BadNumbersNameTheirFlag) {
  Options o;
  std::string msg;
  EXPECT_EQ(parse({"http", "-c", "abc", "http://127.0.0.1:8080/"}, &o, &msg), ParseStatus::kError);
  EXPECT_EQ(msg, "-c: 'abc' is not a valid value");
  EXPECT_EQ(parse({"http", "--rate=fast", "http://127.0.0.1:8080/"}, &o, &msg),
            ParseStatus::kError);
  EXPECT_EQ(msg, "--rate: 'fast' is not a valid value");
  EXPECT_EQ(parse({"echo", "-t", "1.5", "127.0.0.1:7"}, &o, &msg), ParseStatus::kError);
  EXPECT_EQ(msg, "-t: '1.5' is not a valid value");
}

TEST(ClientFlags, NameTheFlagLeavesOtherErrorsAlone) {
  const char* argv[] = {"http", "-c", "abc"};
  EXPECT_EQ(name_the_flag("Option 'x' does not exist", 3, argv), "Option 'x' does not exist");
  EXPECT_EQ(name_the_flag("Argument \u2018abc\u2019 failed to parse", 3, argv),
            "-c: 'abc' is not a valid value");
  const char* attached[] = {"udp", "-R5x"};
  EXPECT_EQ(name_the_flag("Argument '5x' failed to parse", 2, attached),
            "-R: '5x' is not a valid value");
}

}  // namespace
}  // namespace percore::client
