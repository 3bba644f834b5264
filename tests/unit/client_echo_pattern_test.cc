// The echo pattern: deterministic, position-dependent per connection, contiguous spans for sends,
// and a verifier that accepts exactly the sent bytes at any offset and split.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "client/echo/pattern_table.h"

namespace percore::client {
namespace {

TEST(PatternTable, SpansAreContiguousAndRepeatWithThePeriod) {
  PatternTable t(4096);
  EXPECT_EQ(t.max_span(), 4096u);
  // A span that crosses the period boundary reads the same bytes as offsets taken one by one.
  uint32_t seed = PatternTable::kPeriod - 10;
  const char* span = t.at(seed, 0);
  for (uint64_t i = 0; i < 4096; ++i) EXPECT_EQ(span[i], *t.at(seed, i)) << i;
  EXPECT_EQ(*t.at(3, 5), *t.at(3, 5 + PatternTable::kPeriod));
  // Two tables agree: the bytes do not depend on the run.
  PatternTable u(16);
  EXPECT_EQ(std::string(t.at(7, 0), 16), std::string(u.at(7, 0), 16));
}

TEST(PatternTable, BytesLookRandomEnoughToCatchShiftsAndDuplicates) {
  PatternTable t(256);
  std::set<unsigned char> values;
  for (uint64_t i = 0; i < 4096; ++i) values.insert(static_cast<unsigned char>(*t.at(0, i)));
  EXPECT_GT(values.size(), 200u);
  // The stream shifted by one byte (a dropped byte) does not match.
  EXPECT_FALSE(t.matches(0, 0, t.at(0, 1), 64));
  // A message repeated (64 bytes late) does not match either.
  EXPECT_FALSE(t.matches(0, 64, t.at(0, 0), 64));
}

TEST(PatternTable, VerifierAcceptsExactBytesInAnySplitAndRejectsAnyFlip) {
  PatternTable t(100);
  uint32_t seed = PatternTable::seed_for(1, 42);
  std::string sent;
  for (uint64_t i = 0; i < 1000; ++i) sent += *t.at(seed, 70000 + i);
  // Longer than max_span: the verifier walks it in spans.
  EXPECT_TRUE(t.matches(seed, 70000, sent.data(), sent.size()));
  for (size_t cut : {1u, 99u, 100u, 101u, 999u}) {
    EXPECT_TRUE(t.matches(seed, 70000, sent.data(), cut));
    EXPECT_TRUE(t.matches(seed, 70000 + cut, sent.data() + cut, sent.size() - cut));
  }
  for (size_t pos : {0u, 1u, 500u, 999u}) {
    std::string bad = sent;
    bad[pos] ^= 1;
    EXPECT_FALSE(t.matches(seed, 70000, bad.data(), bad.size())) << pos;
  }
  EXPECT_TRUE(t.matches(seed, 0, nullptr, 0));
}

TEST(PatternTable, SeedsDifferPerWorkerAndConnection) {
  std::set<uint32_t> seeds;
  for (int w = 0; w < 4; ++w) {
    for (uint32_t c = 0; c < 256; ++c) {
      uint32_t s = PatternTable::seed_for(w, c);
      EXPECT_LT(s, PatternTable::kPeriod);
      seeds.insert(s);
    }
  }
  EXPECT_GT(seeds.size(), 1000u);
}

}  // namespace
}  // namespace percore::client
