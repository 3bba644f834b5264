#include "server/options.h"

#include <gtest/gtest.h>

#include <vector>

namespace percore::server {
namespace {

ParseOutcome parse(std::vector<std::string> args, ServerOptions* o, std::string* msg) {
  args.insert(args.begin(), "server");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_server_options(static_cast<int>(argv.size()), argv.data(), o, msg);
}

struct UsageError {
  std::vector<std::string> args;
  std::string message;
};

// Each case's arguments are refused with exactly its message.
void expect_usage_errors(const std::vector<UsageError>& cases) {
  for (const UsageError& k : cases) {
    ServerOptions o;
    std::string msg;
    EXPECT_EQ(parse(k.args, &o, &msg), ParseOutcome::kUsageError) << k.args[0];
    EXPECT_EQ(msg, k.message);
  }
}

TEST(ServerOptions, DefaultsFollowFastsocket) {
  ServerOptions o;
  std::string msg;
  ASSERT_EQ(parse({}, &o, &msg), ParseOutcome::kRun) << msg;
  EXPECT_GE(o.workers, 1);
  EXPECT_EQ(o.start_core, 0);
  ASSERT_EQ(o.listen.size(), 1u);
  EXPECT_EQ(o.listen[0].to_string(), "0.0.0.0:8080");
  EXPECT_EQ(o.log_file, "./percore.log");
  EXPECT_FALSE(o.keepalive);
  EXPECT_EQ(o.mode, ServerMode::kHttp);
}

TEST(ServerOptions, ShortFlagsAndRepeatableListen) {
  ServerOptions o;
  std::string msg;
  ASSERT_EQ(parse({"-w", "3", "-c", "1", "-a", "127.0.0.1:1", "-a", "[::1]:2", "-o", "/tmp/x.log",
                   "-v", "-d", "-k", "--idle-timeout", "1.5", "--metrics", "127.0.0.1:0"},
                  &o, &msg),
            ParseOutcome::kRun)
      << msg;
  EXPECT_EQ(o.workers, 3);
  EXPECT_EQ(o.start_core, 1);
  ASSERT_EQ(o.listen.size(), 2u);
  EXPECT_EQ(o.listen[1].to_string(), "[::1]:2");
  EXPECT_TRUE(o.verbose && o.debug && o.keepalive);
  EXPECT_EQ(o.idle_timeout_ms, 1500);
  ASSERT_TRUE(o.metrics.has_value());
}

TEST(ServerOptions, BadValuesAreUsageErrors) {
  for (std::vector<std::string> bad :
       std::vector<std::vector<std::string>>{{"-w", "0"},
                                             {"-w", "x"},
                                             {"--bogus"},
                                             {"-a", "nowhere"},
                                             {"--io", "select"},
                                             {"--idle-timeout", "0"},
                                             {"--max-header-size", "10"},
                                             {"stray"},
                                             {"--body-size", "-4"}}) {
    ServerOptions o;
    std::string msg;
    EXPECT_EQ(parse(bad, &o, &msg), ParseOutcome::kUsageError) << bad[0];
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

// Every value error names the flag it is about (cxxopts' own says only "Argument 'abc' failed
// to parse").
TEST(ServerOptions, ValueErrorsNameTheFlag) {
  expect_usage_errors(
      {{{"-w", "abc"}, "-w/--workers: 'abc' is not a whole number"},
       {{"-w", "1.5"}, "-w/--workers: '1.5' is not a whole number"},
       {{"--workers", "2x"}, "-w/--workers: '2x' is not a whole number"},
       {{"-c", "one"}, "-c/--start-core: 'one' is not a whole number"},
       {{"--body-size", "abc"}, "--body-size: 'abc' is not a whole number"},
       {{"--mode", "udp-echo", "--sndbuf", "2g"}, "--sndbuf: '2g' is not a whole number"},
       {{"--max-header-size", "8k"}, "--max-header-size: '8k' is not a whole number"},
       {{"--backlog", ""}, "--backlog: '' is not a whole number"},
       {{"--idle-timeout", "soon"}, "--idle-timeout: 'soon' is not a number"},
       {{"--header-timeout", "inf"}, "--header-timeout: 'inf' is not a number"},
       {{"--idle-timeout", "0"}, "--idle-timeout must be greater than 0 and at most 86400 seconds"},
       {{"--header-timeout", "0"},
        "--header-timeout must be greater than 0 and at most 86400 seconds"},
       {{"--drain-timeout", "0"},
        "--drain-timeout must be greater than 0 and at most 86400 seconds"},
       {{"-x", "127.0.0.1:1", "--backend-timeout", "0"},
        "--backend-timeout must be greater than 0 and at most 86400 seconds"},
       {{"-w", "0"}, "-w/--workers must be between 1 and 1024"},
       {{"-a", "127.0.0.1:1", "-a", "127.0.0.1:1"}, "-a/--listen: 127.0.0.1:1 given twice"},
       {{"-o", "/nonexistent-percore-dir/x/y.log"},
        "-o/--log: directory '/nonexistent-percore-dir/x' does not exist"}});
  ServerOptions o;
  std::string msg;
  ASSERT_EQ(parse({"--header-timeout", "0.5", "-o", "relative.log", "-a", "127.0.0.1:0", "-a",
                   "127.0.0.1:0", "--join-running"},
                  &o, &msg),
            ParseOutcome::kRun)
      << msg;
  EXPECT_EQ(o.header_timeout_ms, 500);
  EXPECT_TRUE(o.join_running);
}

TEST(ServerOptions, EveryModeIsChosenWithModeAndXAloneMeansProxy) {
  struct Case {
    std::vector<std::string> args;
    ServerMode mode;
  };
  for (const Case& k :
       std::vector<Case>{{{}, ServerMode::kHttp},
                         {{"--mode", "http"}, ServerMode::kHttp},
                         {{"--mode", "echo"}, ServerMode::kEcho},
                         {{"-x", "127.0.0.1:1"}, ServerMode::kProxy},
                         {{"--mode", "proxy", "-x", "127.0.0.1:1"}, ServerMode::kProxy}}) {
    ServerOptions o;
    std::string msg;
    ASSERT_EQ(parse(k.args, &o, &msg), ParseOutcome::kRun) << msg;
    EXPECT_EQ(o.mode, k.mode) << mode_name(k.mode);
  }
}

TEST(ServerOptions, ModeThatContradictsXIsAUsageError) {
  for (std::vector<std::string> bad :
       std::vector<std::vector<std::string>>{{"--mode", "proxy"},
                                             {"--mode", "http", "-x", "127.0.0.1:1"},
                                             {"--mode", "echo", "-x", "127.0.0.1:1"},
                                             {"--mode", "gopher"}}) {
    ServerOptions o;
    std::string msg;
    EXPECT_EQ(parse(bad, &o, &msg), ParseOutcome::kUsageError) << bad[1];
    EXPECT_NE(msg.find("--mode"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

// The modes' names in messages and --help come from server/mode_table.h.
TEST(ServerOptions, ModeMessagesAndHelpComeFromTheModeTable) {
  expect_usage_errors(
      {{{"--mode", "gopher"},
        "--mode must be http, proxy, echo, udp-echo or udp-relay (got 'gopher')"},
       {{"--mode", "http", "-x", "127.0.0.1:1"},
        "--mode http does not take -x/--backend (that is --mode proxy)"},
       {{"--mode", "udp-echo", "-x", "127.0.0.1:1"},
        "--mode udp-echo does not take -x/--backend (that is --mode udp-relay)"},
       {{"--mode", "udp-relay"}, "--mode udp-relay needs at least one -x/--backend ip:port"},
       {{"--rcvbuf", "4096"}, "--rcvbuf applies to the udp-echo and udp-relay modes only"},
       {{"--mode", "udp-echo", "--fanout"},
        "--fanout and --bind-source apply to --mode udp-relay only"},
       {{"--mode", "udp-relay", "-x", "127.0.0.1:1", "--balance", "least-conn"},
        "--balance: udp-relay balances rr only (or use --fanout)"},
       {{"--mode", "echo", "--programmable"}, "--programmable is for --mode http only"},
       {{"--mode", "udp-echo", "--io", "sockmap"},
        "--io sockmap is only for --mode echo (the kernel moves the bytes; it cannot answer "
        "HTTP or forward)"}});
  ServerOptions o;
  std::string msg;
  ASSERT_EQ(parse({"--help"}, &o, &msg), ParseOutcome::kHelp);
  // cxxopts wraps a flag's help at spaces: these pieces stay on one line.
  for (const char* text : {"http, proxy, echo, udp-echo or udp-relay", "proxy or udp-relay:",
                           "udp-echo returns every datagram to its sender", "(echo only)"}) {
    EXPECT_NE(msg.find(text), std::string::npos) << text;
  }
}

TEST(ServerOptions, SockmapIsAnEchoOnlyDataPathOverTheEpollLoop) {
  ServerOptions o;
  std::string msg;
  ASSERT_EQ(parse({"--mode", "echo", "--io", "sockmap"}, &o, &msg), ParseOutcome::kRun) << msg;
  EXPECT_TRUE(o.sockmap);
  EXPECT_EQ(o.io, io::BackendKind::kEpoll);
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"--io", "sockmap"},
           {"--mode", "http", "--io", "sockmap"},
           {"--mode", "proxy", "-x", "127.0.0.1:1", "--io", "sockmap"},
           {"--mode", "udp-echo", "--io", "sockmap"}}) {
    ServerOptions b;
    EXPECT_EQ(parse(bad, &b, &msg), ParseOutcome::kUsageError) << bad[1];
    EXPECT_NE(msg.find("--io sockmap"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(ServerOptions, HelpListsTheFlags) {
  ServerOptions o;
  std::string msg;
  ASSERT_EQ(parse({"-h"}, &o, &msg), ParseOutcome::kHelp);
  for (const char* flag : {"--workers", "--start-core", "--listen", "--backend", "--keepalive"}) {
    EXPECT_NE(msg.find(flag), std::string::npos) << flag;
  }
}

TEST(ServerOptions, ListenModes) {
  for (const char* name : {"reuseport", "cpu", "shared", "shared-exclusive"}) {
    ServerOptions o;
    std::string msg;
    ASSERT_EQ(parse({"--listen-mode", name}, &o, &msg), ParseOutcome::kRun) << msg;
    EXPECT_STREQ(listen_mode_name(o.listen_mode), name);
  }
  ServerOptions o;
  std::string msg;
  ASSERT_EQ(parse({}, &o, &msg), ParseOutcome::kRun);
  EXPECT_EQ(o.listen_mode, ListenMode::kReuseport);
  EXPECT_FALSE(is_shared_listener(ListenMode::kCpu));
  EXPECT_TRUE(is_shared_listener(ListenMode::kSharedExclusive));
  EXPECT_EQ(parse({"--listen-mode", "steal"}, &o, &msg), ParseOutcome::kUsageError);
  EXPECT_NE(msg.find("--listen-mode must be"), std::string::npos) << msg;
}

}  // namespace
}  // namespace percore::server
