// The HdrHistogram interval log against readers and writers that are not percore's: a Python
// decoder written from the format's description (tests/tools/hdr_log_decode.py), and
// HdrHistogram's own Java library from Debian's libhdrhistogram-java (log processor one way,
// log writer the other).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/stats/hdr_encoding.h"
#include "core/stats/hdr_log.h"
#include "core/stats/histogram_json.h"
#include "tests/support/client_run.h"
#include "tests/support/process.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

constexpr const char* kHdrJar = "/usr/share/java/hdrhistogram.jar";
constexpr int64_t kStartMs = 1'700'000'000'123;

class HdrLogInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("percore-hdrlog-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Two intervals of latency-like values, one of them with a long tail.
  void write_log(const std::string& path) {
    std::mt19937_64 rng(11);
    std::lognormal_distribution<double> body(11.0, 0.8);
    intervals_.assign(2, stats::Histogram());
    for (int i = 0; i < 30'000; ++i) intervals_[0].record(static_cast<int64_t>(body(rng)));
    for (int i = 0; i < 20'000; ++i) intervals_[1].record(static_cast<int64_t>(body(rng)));
    intervals_[1].record(3'000'000'000);
    stats::HdrLogWriter log;
    std::string error;
    ASSERT_TRUE(log.open(path, kStartMs, "percore test", &error)) << error;
    ASSERT_TRUE(log.write_interval(0.0, 1.0, intervals_[0]));
    ASSERT_TRUE(log.write_interval(1.0, 1.0, intervals_[1]));
    ASSERT_TRUE(log.close());
  }

  static bool have_hdr_java() { return have_program("java") && access(kHdrJar, R_OK) == 0; }

  std::filesystem::path dir_;
  std::vector<stats::Histogram> intervals_;
};

TEST_F(HdrLogInterop, IndependentDecoderReadsOurLog) {
  if (!have_program("python3")) GTEST_SKIP() << "python3 is not installed";
  std::string path = dir_ / "run.hlog";
  write_log(path);
  int status = 0;
  std::string out = run_command(
      "python3 " PERCORE_SOURCE_DIR "/tests/tools/hdr_log_decode.py " + path, 30, &status);
  ASSERT_EQ(status, 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_DOUBLE_EQ(j["start_time"].get<double>(), 1'700'000'000.123);
  EXPECT_DOUBLE_EQ(j["base_time"].get<double>(), 1'700'000'000.123);
  ASSERT_EQ(j["intervals"].size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const auto& got = j["intervals"][k];
    const stats::Histogram& want = intervals_[k];
    EXPECT_EQ(got["digits"], 3);
    EXPECT_EQ(got["lowest"], 1);
    EXPECT_EQ(got["highest"], want.highest());
    EXPECT_DOUBLE_EQ(got["start"].get<double>(), static_cast<double>(k));
    EXPECT_NEAR(got["max"].get<double>(), static_cast<double>(want.max()) / 1e6, 0.0005);
    EXPECT_EQ(got["total"].get<uint64_t>(), want.count());
    size_t occupied = 0;
    for (size_t i = 0; i < want.bucket_slots(); ++i) {
      uint64_t c = want.count_at_index(i);
      if (c == 0) continue;
      ++occupied;
      ASSERT_EQ(got["counts"].value(std::to_string(i), uint64_t{0}), c) << "slot " << i;
    }
    EXPECT_EQ(got["counts"].size(), occupied);
  }
}

// HdrHistogram's HistogramLogProcessor merges the log's intervals and prints the percentile
// table: its total and its percentiles must be what percore computes for the same counts.
TEST_F(HdrLogInterop, HdrHistogramLogProcessorReadsOurLog) {
  if (!have_hdr_java()) {
    GTEST_SKIP() << "needs java and Debian's libhdrhistogram-java (" << kHdrJar << ")";
  }
  std::string path = dir_ / "run.hlog";
  write_log(path);
  int status = 0;
  std::string out = run_command(std::string("java -cp ") + kHdrJar +
                                    " org.HdrHistogram.HistogramLogProcessor -i " + path +
                                    " -outputValueUnitRatio 1 -csv",
                                120, &status);
  ASSERT_EQ(status, 0) << out;
  stats::Histogram all;
  for (const auto& h : intervals_) all.merge(h);
  // CSV rows: "Value","Percentile","TotalCount","1/(1-Percentile)".
  std::istringstream lines(out);
  std::string line;
  int rows = 0;
  uint64_t last_total = 0;
  while (std::getline(lines, line)) {
    double value = 0, percentile = 0;
    unsigned long long total = 0;
    if (std::sscanf(line.c_str(), "%lf,%lf,%llu", &value, &percentile, &total) != 3) continue;
    last_total = total;
    ++rows;
    if (total == all.count()) {
      // The log does not carry the exact max, so Java reports the top of its slot where percore
      // (which keeps the exact max) stops at the max itself.
      ASSERT_EQ(static_cast<int64_t>(value), all.highest_equivalent(all.max())) << line;
      continue;
    }
    // Each row is the value at which the cumulative count reaches TotalCount: percore's
    // percentile at exactly that rank must give the same value.
    double p = 100.0 * static_cast<double>(total) / static_cast<double>(all.count());
    ASSERT_EQ(static_cast<int64_t>(value), all.value_at_percentile(p)) << line;
  }
  EXPECT_GT(rows, 20) << out;
  EXPECT_EQ(last_total, all.count()) << out;
}

// A log written by HdrHistogram's own HistogramLogWriter decodes into the same slots that
// percore records for the same values.
TEST_F(HdrLogInterop, WeDecodeALogWrittenByHdrHistogram) {
  if (!have_hdr_java() || !have_program("javac")) {
    GTEST_SKIP() << "needs a JDK (java runs the writer from source) and Debian's "
                    "libhdrhistogram-java ("
                 << kHdrJar << ")";
  }
  std::string path = dir_ / "java.hlog";
  std::vector<std::vector<std::pair<int64_t, uint64_t>>> values = {
      {{1, 5}, {2047, 1}, {2048, 2}, {123'456, 1000}, {999'999'999, 3}},
      {{80'000, 40}, {59'999'999'999, 1}}};
  std::string args;
  for (size_t k = 0; k < values.size(); ++k) {
    if (k > 0) args += " -";
    for (auto [v, n] : values[k]) args += " " + std::to_string(v) + ":" + std::to_string(n);
  }
  int status = 0;
  std::string out = run_command(std::string("java -cp ") + kHdrJar +
                                    " " PERCORE_SOURCE_DIR "/tests/tools/HdrLogMaker.java " + path +
                                    " " + std::to_string(kStartMs) + args,
                                120, &status);
  ASSERT_EQ(status, 0) << out;
  std::ifstream in(path);
  std::string line;
  size_t k = 0;
  bool saw_start = false;
  while (std::getline(in, line)) {
    if (line.rfind("#[StartTime: 1700000000.123 ", 0) == 0) saw_start = true;
    if (line.empty() || line[0] == '#' || line[0] == '"') continue;
    ASSERT_LT(k, values.size()) << line;
    std::string encoded = line.substr(line.rfind(',') + 1);
    std::string error;
    auto got = stats::hdr_decode_base64(encoded, &error);
    ASSERT_NE(got, nullptr) << error << ": " << line;
    stats::Histogram want;
    for (auto [v, n] : values[k]) want.record_n(v, n);
    ASSERT_EQ(got->bucket_slots(), want.bucket_slots());
    EXPECT_EQ(got->count(), want.count());
    for (size_t i = 0; i < want.bucket_slots(); ++i) {
      ASSERT_EQ(got->count_at_index(i), want.count_at_index(i))
          << "interval " << k << " slot " << i;
    }
    // Re-encoded by percore, it reads back the same: both sides agree on the layout.
    auto again = stats::hdr_decode_base64(stats::hdr_encode_base64(*got), &error);
    ASSERT_NE(again, nullptr) << error;
    EXPECT_EQ(again->count(), want.count());
    ++k;
  }
  EXPECT_TRUE(saw_start);
  EXPECT_EQ(k, values.size());
}

// A real run's --hdr-log: its intervals add up, slot for slot, to the histogram the run's JSON
// carries, and HdrHistogram's log processor counts every response.
TEST_F(HdrLogInterop, ClientIntervalLogAddsUpToItsResult) {
  if (!have_program("python3")) GTEST_SKIP() << "python3 is not installed";
  ServerProcess server = start_server("epoll", {"-w", "1", "-k"});
  ASSERT_TRUE(server.ok());
  std::string hlog = dir_ / "client.hlog", json = dir_ / "client.json";
  int status = 0;
  std::string out = run_command(
      std::string(PERCORE_CLIENT_BIN) + " http -q -c 4 -t 1 -n 3000 -R 1500 --hdr-log " + hlog +
          " --json " + json + " http://127.0.0.1:" + std::to_string(server.port) + "/",
      60, &status);
  ASSERT_EQ(status, 0) << out;
  std::ifstream in(json);
  auto result = nlohmann::json::parse(in);
  std::string error;
  auto whole = stats::histogram_from_json(result["histograms"]["corrected"], &error);
  ASSERT_NE(whole, nullptr) << error;
  EXPECT_EQ(whole->count(), 3000u);
  std::string decoded = run_command(
      "python3 " PERCORE_SOURCE_DIR "/tests/tools/hdr_log_decode.py " + hlog, 30, &status);
  ASSERT_EQ(status, 0) << decoded;
  auto log = nlohmann::json::parse(decoded);
  // Two seconds of load: one interval per tick and the last from the final figures.
  EXPECT_GE(log["intervals"].size(), 2u) << decoded;
  std::map<size_t, uint64_t> summed;
  double previous_end = 0;
  for (const auto& interval : log["intervals"]) {
    EXPECT_NEAR(interval["start"].get<double>(), previous_end, 0.0015);
    previous_end = interval["start"].get<double>() + interval["length"].get<double>();
    for (const auto& [index, count] : interval["counts"].items()) {
      summed[std::stoul(index)] += count.get<uint64_t>();
    }
  }
  expect_intervals_add_up(summed, *whole);
  if (!have_hdr_java()) return;
  out = run_command(std::string("java -cp ") + kHdrJar +
                        " org.HdrHistogram.HistogramLogProcessor -i " + hlog +
                        " -outputValueUnitRatio 1",
                    120, &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Total count    =         3000"), std::string::npos) << out;
}

}  // namespace
}  // namespace percore::test
