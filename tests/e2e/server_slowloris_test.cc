// Slowloris at scale against server mode: 2,000 connections each sending one header byte a
// second (tests/tools/slowloris.cc, which replaces every connection the server cuts) on the
// server's only worker, while `client http -R 200 --no-keepalive` on fresh connections measures
// p99 for 4 s. Without and with the attack interleaved (without, with, without, with). Checked:
// - p99 while the 2,000 are held stays within 2x of p99 without (the better run of each kind,
//   so one noisy moment of the shared machine does not decide), and no request fails: fails if
//   the held connections starve the worker;
// - the header timeout (6 s here) runs from the first byte, so the attack cannot hold a
//   connection longer however slowly it sends: every attacking connection gets 408 and is closed
//   about 6 s after its first byte, and is replaced. Fails if the timeout is disabled or
//   restarted by each byte.
// The waves of 2,000 cuts and replacements fall after the measured 4 s here: on the shared
// 2-core machine (load ~12) a wave's burst of work stretched to a few hundred ms and decided a
// 4 s p99 alone. scripts/bench-slowloris.sh measures across the waves (15 s runs, the default
// 10 s header timeout; docs/reliability.md). About 26 s.
// The server's worker (pinned to core 0 by default) shares its core with the attacker.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/client_run.h"
#include "tests/support/process.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

constexpr int kConnections = 2000;
constexpr double kHeaderTimeoutS = 6;

std::string last_line(const std::string& text) {
  std::string line, last;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

TEST(Slowloris, FreshConnectionsKeepTheirP99WhileTwoThousandSlowHeadersAreCut) {
  // The server's worker and the attacker on core 0, the measuring client on core 1: on loopback
  // the kernel's work for the attack's packets runs on the attacker's core, and on the client's
  // it would delay the measurement rather than the server.
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) GTEST_SKIP() << "needs two CPUs (server, client)";
  if (!have_program("taskset")) GTEST_SKIP() << "needs taskset (util-linux)";
  ServerProcess server = start_server("epoll", {"-w", "1", "--backlog", "4096", "--header-timeout",
                                                std::to_string(kHeaderTimeoutS)});
  ASSERT_TRUE(server.ok()) << server.process->stderr_text();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/";
  auto measure = [&](const char* label) {
    ClientRun r =
        run_client_mode("http", "-c 32 -t 1 --start-core 1 --no-keepalive -R 200 -d 4s " + url, 60);
    EXPECT_EQ(r.status, 0) << label << ": " << r.output;
    EXPECT_TRUE(r.json.is_object()) << label << ": " << r.output;
    if (!r.json.is_object()) return 1e12;
    EXPECT_EQ(r.json["errors"]["total"], 0) << label << ": " << r.json.dump();
    EXPECT_GE(r.json["requests"].get<uint64_t>(), 720u) << label << ": " << r.json.dump();
    double p99 = r.json["latency_us"]["p99"].get<double>();
    std::printf("[ slowloris ] %-8s p99 %.0f us, %llu requests\n", label, p99,
                static_cast<unsigned long long>(r.json["requests"].get<uint64_t>()));
    return p99;
  };
  std::vector<double> without, with;
  for (int pass = 0; pass < 2; ++pass) {
    without.push_back(measure("without"));
    Process attacker({"taskset", "-c", "0", PERCORE_SLOWLORIS_BIN, "127.0.0.1",
                      std::to_string(server.port), "--connections", std::to_string(kConnections),
                      "--duration", "60"});
    ASSERT_NE(attacker.wait_for_line("ready", 20'000), "")
        << attacker.stdout_text() << attacker.stderr_text();
    with.push_back(measure("with"));
    // Past the header timeout of the first wave (the ramp took about a second): every
    // connection of it is cut and replaced before the attacker stops.
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    attacker.signal(SIGTERM);
    int status = attacker.wait_exit(10'000);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << attacker.stderr_text();
    nlohmann::json a = nlohmann::json::parse(last_line(attacker.stdout_text()), nullptr, false);
    ASSERT_TRUE(a.is_object()) << attacker.stdout_text();
    std::printf("[ slowloris ] attacker %s\n", a.dump().c_str());
    // About 8.5 s of attack (1 s ramp, 4 s measured, 3.5 s more) with a 6 s header timeout:
    // every connection of the first wave was cut with a 408, about 6 s after its first byte,
    // and replaced.
    EXPECT_GE(a["responses_408"].get<int>(), kConnections * 9 / 10) << a.dump();
    EXPECT_EQ(a["other_responses"].get<int>(), 0) << a.dump();
    EXPECT_GE(a["held_s_median"].get<double>(), kHeaderTimeoutS - 0.2) << a.dump();
    EXPECT_LE(a["held_s_median"].get<double>(), kHeaderTimeoutS + 1.0) << a.dump();
    EXPECT_GE(a["opened"].get<int>(), kConnections + a["responses_408"].get<int>() * 9 / 10)
        << a.dump();
  }
  double best_without = *std::min_element(without.begin(), without.end());
  double best_with = *std::min_element(with.begin(), with.end());
  // Within 2x, or within a few milliseconds: p99s of 1-8 ms swing by more than 2x on their own on
  // a shared machine (and under ASan), while a worker starved by the held connections shows
  // hundreds of milliseconds.
  constexpr double kNoiseFloorUs = 20'000;
  EXPECT_LE(best_with, std::max(2 * best_without, kNoiseFloorUs))
      << "p99 with the attack " << best_with << " us, without " << best_without << " us";
}

}  // namespace
}  // namespace percore::test
