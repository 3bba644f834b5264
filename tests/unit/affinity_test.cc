#include "core/proc/affinity.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace percore::proc {
namespace {

TEST(Affinity, WorkersGoOnConsecutiveCoresAndWrap) {
  std::vector<int> allowed = {0, 1, 2, 3};
  bool wrapped = true;
  EXPECT_EQ(core_for_worker(allowed, 1, 2, &wrapped), 3);
  EXPECT_FALSE(wrapped);
  EXPECT_EQ(core_for_worker(allowed, 1, 3, &wrapped), 0);
  EXPECT_TRUE(wrapped);
  std::vector<int> sparse = {2, 5};
  EXPECT_EQ(core_for_worker(sparse, 0, 0, &wrapped), 2);  // CPU 0 is not ours
  EXPECT_TRUE(wrapped);
  EXPECT_EQ(core_for_worker(sparse, 5, 0, &wrapped), 5);
  EXPECT_FALSE(wrapped);
}

TEST(Affinity, AllowedCpusIncludeWhereWeRun) {
  std::vector<int> cpus = allowed_cpus();
  ASSERT_FALSE(cpus.empty());
  EXPECT_TRUE(std::is_sorted(cpus.begin(), cpus.end()));
}

}  // namespace
}  // namespace percore::proc
