// Flag parsing for `client echo` and `client sweep`, sizes, sweep steps and CSV; `client http`
// keeps its own flags.
#include <gtest/gtest.h>

#include <utility>

#include <string>
#include <vector>

#include "client/echo/flags_echo.h"
#include "client/flags/flags.h"
#include "client/sweep/sweep.h"
#include "tests/unit/client_flags_util.h"

namespace percore::client {
namespace {

ParseStatus parse(std::vector<std::string> args, Options* o, std::string* msg) {
  return parse_args(std::move(args), o, msg);
}

TEST(ClientEchoFlags, DefaultsAreRequestResponseSixtyFourBytes) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse({"echo", "127.0.0.1:7"}, &o, &msg), ParseStatus::kOk) << msg;
  EXPECT_EQ(o.command, Command::kEcho);
  EXPECT_EQ(o.echo.pattern, EchoPattern::kRequestResponse);
  EXPECT_EQ(o.echo.payload, 64u);
  EXPECT_EQ(o.echo.window, kDefaultWindow);
  EXPECT_EQ(o.url.address.to_string(), "127.0.0.1:7");
  EXPECT_EQ(o.connections, 10);
  EXPECT_EQ(o.duration_ns, 10'000'000'000);
}

TEST(ClientEchoFlags, StreamPayloadWindowAndSharedFlags) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse({"echo",  "--pattern", "stream",   "-l",     "16KiB", "--window",  "1m",
                   "-c",    "64",        "-t",       "2",      "-d",    "3s",        "--io",
                   "epoll", "--fail-if", "errors>0", "--json", "-",     "[::1]:9000"},
                  &o, &msg),
            ParseStatus::kOk)
      << msg;
  EXPECT_EQ(o.echo.pattern, EchoPattern::kStream);
  EXPECT_EQ(o.echo.payload, 16384u);
  EXPECT_EQ(o.echo.window, 1u << 20);
  EXPECT_EQ(o.connections, 64);
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.duration_ns, 3'000'000'000);
  EXPECT_EQ(o.io, io::BackendKind::kEpoll);
  ASSERT_EQ(o.fail_if.size(), 1u);
  EXPECT_EQ(o.json_path, "-");
  EXPECT_EQ(o.url.address.to_string(), "[::1]:9000");
}

TEST(ClientEchoFlags, WindowGrowsToHoldOneLargeMessage) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse({"echo", "-l", "1m", "127.0.0.1:7"}, &o, &msg), ParseStatus::kOk) << msg;
  EXPECT_EQ(o.echo.window, 1u << 20);
}

TEST(ClientEchoFlags, BadValuesAreOneLineErrors) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"echo", "--pattern", "sideways", "127.0.0.1:7"},
           {"echo", "-l", "0", "127.0.0.1:7"},
           {"echo", "-l", "12q", "127.0.0.1:7"},
           {"echo", "-l", "64m", "127.0.0.1:7"},
           {"echo", "-l", "4k", "--window", "1k", "127.0.0.1:7"},
           {"echo", "http://127.0.0.1:7/"},
           {"echo", "127.0.0.1:0"},
           {"echo"},
           {"echo", "--pipeline", "4", "127.0.0.1:7"},
           {"sweep", "--max-connections", "0", "127.0.0.1:7"},
           {"bogus", "127.0.0.1:7"},
       }) {
    Options o;
    std::string msg;
    EXPECT_EQ(parse(args, &o, &msg), ParseStatus::kError) << args[1];
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(ClientEchoFlags, HttpStillTakesAUrlAndItsOwnFlags) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse({"http", "--pipeline", "4", "http://127.0.0.1:8080/x"}, &o, &msg),
            ParseStatus::kOk)
      << msg;
  EXPECT_EQ(o.command, Command::kHttp);
  EXPECT_EQ(o.pipeline, 4);
  EXPECT_EQ(o.url.target, "/x");
  EXPECT_EQ(parse({"http", "--pattern", "rr", "http://127.0.0.1/"}, &o, &msg), ParseStatus::kError);
  EXPECT_EQ(parse({"http", "127.0.0.1:80"}, &o, &msg), ParseStatus::kError);
}

TEST(ClientSweepFlags, OutputsAndThreadsUncappedByTheDefaultConnections) {
  Options o;
  std::string msg;
  ASSERT_EQ(parse({"sweep", "--max-connections", "512", "-t", "16", "--csv", "a.csv", "--png",
                   "a.png", "-d", "1s", "127.0.0.1:7"},
                  &o, &msg),
            ParseStatus::kOk)
      << msg;
  EXPECT_EQ(o.command, Command::kSweep);
  EXPECT_EQ(o.sweep.max_connections, 512);
  EXPECT_EQ(o.threads, 16);
  EXPECT_EQ(o.sweep.csv_path, "a.csv");
  EXPECT_EQ(o.sweep.png_path, "a.png");
}

TEST(ClientEchoSizes, BinarySuffixes) {
  uint64_t b = 0;
  ASSERT_TRUE(parse_byte_size("64", &b));
  EXPECT_EQ(b, 64u);
  ASSERT_TRUE(parse_byte_size("1k", &b));
  EXPECT_EQ(b, 1024u);
  ASSERT_TRUE(parse_byte_size("16KiB", &b));
  EXPECT_EQ(b, 16384u);
  ASSERT_TRUE(parse_byte_size("2MiB", &b));
  EXPECT_EQ(b, 2u << 20);
  EXPECT_FALSE(parse_byte_size("", &b));
  EXPECT_FALSE(parse_byte_size("k", &b));
  EXPECT_FALSE(parse_byte_size("-1", &b));
  EXPECT_FALSE(parse_byte_size("1g", &b));
}

TEST(ClientSweep, StepsDoubleUpToTheMaximum) {
  EXPECT_EQ(sweep_steps(1), (std::vector<int>{1}));
  EXPECT_EQ(sweep_steps(8), (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(sweep_steps(6), (std::vector<int>{1, 2, 4, 6}));
  EXPECT_EQ(sweep_steps(512).size(), 10u);
}

TEST(ClientSweep, CsvHasAHeaderAndOneRowPerStep) {
  std::string csv = sweep_csv({{1, 1000.5, 10.25, 40.5, 0}, {2, 1800, 11, 50, 3}});
  EXPECT_EQ(csv,
            "connections,rate,p50_us,p99_us,errors\n"
            "1,1000.5,10.25,40.50,0\n"
            "2,1800.0,11.00,50.00,3\n");
}

}  // namespace
}  // namespace percore::client
