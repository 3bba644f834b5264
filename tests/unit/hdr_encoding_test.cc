// The lossless histogram serialisation: HdrHistogram V2 encoding round trips slot for slot, the
// JSON form restores min/max/sum exactly, and histograms merged from JSON answer percentiles
// exactly as one histogram holding every sample does.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/stats/hdr_encoding.h"
#include "core/stats/histogram_json.h"
#include "core/util/base64.h"

namespace percore::stats {
namespace {

void expect_same_slots(const Histogram& a, const Histogram& b) {
  ASSERT_EQ(a.bucket_slots(), b.bucket_slots());
  ASSERT_EQ(a.count(), b.count());
  for (size_t i = 0; i < a.bucket_slots(); ++i) {
    ASSERT_EQ(a.count_at_index(i), b.count_at_index(i)) << "slot " << i;
  }
}

void expect_same_answers(const Histogram& a, const Histogram& b) {
  expect_same_slots(a, b);
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_EQ(a.sum(), b.sum());
  EXPECT_EQ(a.clamped(), b.clamped());
  for (double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_EQ(a.value_at_percentile(p), b.value_at_percentile(p)) << "p" << p;
  }
}

std::vector<int64_t> latency_like_samples(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> body(11.5, 0.6);  // around 100 us in ns
  std::vector<int64_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<int64_t>(body(rng)));
  return out;
}

std::unique_ptr<Histogram> through_json(const Histogram& h) {
  std::string error;
  // Through text, as `client merge` reads it from a file.
  auto parsed = nlohmann::json::parse(histogram_to_json(h).dump());
  auto back = histogram_from_json(parsed, &error);
  EXPECT_NE(back, nullptr) << error;
  return back;
}

// h through JSON and back: something comes back, answers as h does, and passes `check`.
template <typename Check>
void expect_round_trip(const Histogram& h, Check check) {
  auto back = through_json(h);
  ASSERT_NE(back, nullptr);
  expect_same_answers(h, *back);
  check(*back);
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    std::vector<uint8_t> bytes(plain, plain + std::char_traits<char>::length(plain));
    EXPECT_EQ(util::base64_encode(bytes), encoded);
    auto back = util::base64_decode(encoded);
    ASSERT_TRUE(back.has_value()) << encoded;
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_FALSE(util::base64_decode("Zm9").has_value());
  EXPECT_FALSE(util::base64_decode("Zm9*").has_value());
}

TEST(HdrEncoding, CompressedBase64StartsAsHdrHistogramLogsDo) {
  Histogram h;
  h.record(1000);
  // The compressed V2 cookie 0x1c849314 in base64 is "HISTF": what every HdrHistogram log shows.
  EXPECT_EQ(hdr_encode_base64(h).substr(0, 5), "HISTF");
  std::vector<uint8_t> plain = hdr_encode(h);
  ASSERT_GE(plain.size(), 40u);
  EXPECT_EQ(plain[0], 0x1c);
  EXPECT_EQ(plain[3], 0x13);
}

TEST(HdrEncoding, RoundTripKeepsEverySlot) {
  Histogram h;
  for (int64_t v : latency_like_samples(50'000, 1)) h.record(v);
  h.record(0);
  h.record(59'999'999'999);
  h.record_n(2047, 3);
  std::string error;
  auto back = hdr_decode_base64(hdr_encode_base64(h), &error);
  ASSERT_NE(back, nullptr) << error;
  expect_same_slots(h, *back);
  EXPECT_EQ(back->highest(), h.highest());
  EXPECT_EQ(back->significant_digits(), 3);
  // Without the exact extremes, min and max are the bounds of their slots (never above the
  // highest trackable value).
  EXPECT_EQ(back->min(), 0);
  EXPECT_EQ(back->max(), std::min(h.highest_equivalent(59'999'999'999), h.highest()));
  EXPECT_EQ(back->min(), h.lowest_equivalent(0));
}

TEST(HdrEncoding, HugeCountsUseTheNinthByte) {
  Histogram h(1'000'000, 2);
  h.record_n(5, uint64_t{1} << 62);  // ZigZag doubles it: 64 significant bits
  h.record_n(900'000, 1);
  std::string error;
  auto back = hdr_decode(hdr_encode(h), &error);
  ASSERT_NE(back, nullptr) << error;
  expect_same_slots(h, *back);
}

TEST(HdrEncoding, EmptyHistogramRoundTrips) {
  expect_round_trip(Histogram{}, [](const Histogram& back) { EXPECT_EQ(back.count(), 0u); });
}

TEST(HdrEncoding, RejectsWhatIsNotAnEncoding) {
  Histogram h;
  h.record(12345);
  std::string error;
  std::vector<uint8_t> bytes = hdr_encode_compressed(h);
  EXPECT_EQ(hdr_decode_base64("not base64!", &error), nullptr);
  EXPECT_NE(error.find("base64"), std::string::npos);
  std::vector<uint8_t> bad_cookie = bytes;
  bad_cookie[3] ^= 1;
  EXPECT_EQ(hdr_decode_compressed(bad_cookie, &error), nullptr);
  EXPECT_NE(error.find("cookie"), std::string::npos);
  std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 3);
  EXPECT_EQ(hdr_decode_compressed(truncated, &error), nullptr);
  std::vector<uint8_t> plain = hdr_encode(h);
  plain[19] = 2;  // lowest discernible value 2: a shape this histogram cannot hold
  EXPECT_EQ(hdr_decode(plain, &error), nullptr);
  EXPECT_NE(error.find("shape"), std::string::npos);
}

TEST(HistogramJson, RoundTripIsExact) {
  Histogram h;
  for (int64_t v : latency_like_samples(20'000, 2)) h.record(v);
  h.record(70'000'000'000);  // clamped to 60 s
  expect_round_trip(h, [](const Histogram& back) { EXPECT_EQ(back.clamped(), 1u); });
}

TEST(HistogramJson, RejectsContradictions) {
  Histogram h;
  h.record(1000);
  h.record(5000);
  std::string error;
  nlohmann::json j = histogram_to_json(h);
  j["min"] = 3000;  // not in the lowest occupied slot
  EXPECT_EQ(histogram_from_json(j, &error), nullptr);
  j = histogram_to_json(h);
  j["count"] = 3;
  EXPECT_EQ(histogram_from_json(j, &error), nullptr);
  j = histogram_to_json(h);
  j.erase("hdr");
  EXPECT_EQ(histogram_from_json(j, &error), nullptr);
  EXPECT_NE(error.find("hdr"), std::string::npos);
}

// Three hosts whose latencies differ a lot: the merged p99 is the p99 of all samples, which
// is nothing like any average of the three p99s.
TEST(HistogramJson, MergedPercentilesEqualOneHistogramOfAllSamples) {
  Histogram all;
  std::vector<Histogram> parts(3);
  // Host 0: 9000 fast samples; host 1: 900 slower; host 2: 100 very slow (1% of the total).
  for (int i = 0; i < 9000; ++i) {
    int64_t v = 50'000 + i;
    parts[0].record(v);
    all.record(v);
  }
  for (int i = 0; i < 900; ++i) {
    int64_t v = 2'000'000 + 1000 * i;
    parts[1].record(v);
    all.record(v);
  }
  for (int i = 0; i < 100; ++i) {
    int64_t v = 40'000'000 + 7 * i;
    parts[2].record(v);
    all.record(v);
  }
  Histogram merged;
  for (const Histogram& part : parts) {
    auto back = through_json(part);
    ASSERT_NE(back, nullptr);
    ASSERT_TRUE(merged.merge(*back));
  }
  expect_same_answers(all, merged);
  // p99 is the 9900th sample: the slowest of host 1, nowhere near any one host's p99 nor
  // their mean.
  EXPECT_EQ(merged.value_at_percentile(99), all.highest_equivalent(2'000'000 + 1000 * 899));
  double mean_of_p99s = 0;
  for (const Histogram& part : parts) mean_of_p99s += part.value_at_percentile(99) / 3.0;
  EXPECT_GT(std::abs(mean_of_p99s - static_cast<double>(merged.value_at_percentile(99))), 1e6);
}

TEST(HistogramJson, MergeOfRandomSplitIsExact) {
  Histogram all;
  std::vector<Histogram> parts(4);
  std::mt19937 rng(7);
  std::vector<int64_t> samples = latency_like_samples(40'000, 3);
  for (int64_t v : samples) {
    all.record(v);
    parts[rng() % parts.size()].record(v);
  }
  Histogram merged;
  for (const Histogram& part : parts) ASSERT_TRUE(merged.merge(*through_json(part)));
  expect_same_slots(all, merged);
  EXPECT_EQ(all.min(), merged.min());
  EXPECT_EQ(all.max(), merged.max());
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) {
    EXPECT_EQ(all.value_at_percentile(p), merged.value_at_percentile(p)) << p;
  }
}

}  // namespace
}  // namespace percore::stats
