#include "core/util/slab.h"
#include "core/util/token_layout.h"

#include <gtest/gtest.h>

#include <set>

namespace percore::util {
namespace {

struct Item : SlabEntry {
  int value = 0;
};

TEST(Slab, TokensOfReleasedSlotsGoStale) {
  Slab<Item> slab;
  Item* a = slab.acquire();
  uint64_t token = Slab<Item>::token(a);
  EXPECT_EQ(slab.lookup(token), a);
  slab.release(a);
  EXPECT_EQ(slab.lookup(token), nullptr);
  Item* b = slab.acquire();  // likely the same slot, a new generation
  EXPECT_EQ(slab.lookup(token), nullptr);
  EXPECT_EQ(slab.lookup(Slab<Item>::token(b)), b);
  EXPECT_EQ(Slab<Item>::token(b) & ~kTokenMask, 0u);
  EXPECT_EQ(Slab<Item>::token(b) >> (kTokenBits - 1), 0u) << "top token bit is the workers'";
}

TEST(Slab, GrowsWithStableAddressesAndVisitsLiveOnes) {
  Slab<Item> slab;
  std::vector<Item*> items;
  for (int i = 0; i < 1000; ++i) {
    items.push_back(slab.acquire());
    items.back()->value = i;
  }
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(items[i]->value, i);
  for (int i = 0; i < 1000; i += 2) slab.release(items[i]);
  EXPECT_EQ(slab.live(), 500u);
  std::set<int> seen;
  slab.for_each_live([&](Item* it) { seen.insert(it->value); });
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(slab.lookup(uint64_t{1} << 40 | 99999), nullptr);
}

}  // namespace
}  // namespace percore::util
