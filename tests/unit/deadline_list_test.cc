#include "core/util/deadline_list.h"

#include <gtest/gtest.h>

namespace percore::util {
namespace {

TEST(DeadlineList, ExpiresInArmingOrderAndRearmMovesToBack) {
  DeadlineList list(100);
  DeadlineLink a, b, c;
  list.arm(&a, 0);
  list.arm(&b, 10);
  list.arm(&c, 20);
  list.arm(&a, 30);  // re-armed: now the last to expire
  EXPECT_EQ(list.next_deadline(), 110);
  EXPECT_EQ(list.pop_expired(109), nullptr);
  EXPECT_EQ(list.pop_expired(115), &b);
  DeadlineList::cancel(&c);
  EXPECT_EQ(list.pop_expired(1000), &a);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.next_deadline(), INT64_MAX);
}

}  // namespace
}  // namespace percore::util
