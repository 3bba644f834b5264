#include "core/io/send_queue.h"

#include <gtest/gtest.h>

namespace percore::io {
namespace {

std::string gather(iovec* iov, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.append(static_cast<char*>(iov[i].iov_base), iov[i].iov_len);
  return s;
}

TEST(SendQueue, CopiesMergeAndReferencesStaySeparate) {
  SendQueue q;
  static const std::string body(5000, 'b');
  q.append_copy("head1");
  q.append_copy("head2");
  q.append_ref(body);
  q.append_copy("tail");
  EXPECT_EQ(q.pending_bytes(), 5014u);
  int n = 0;
  iovec* iov = q.start_send(&n);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(iov[1].iov_base, body.data());
  EXPECT_EQ(gather(iov, n), "head1head2" + body + "tail");
}

TEST(SendQueue, FillsWhileABatchIsInFlight) {
  SendQueue q;
  q.append_copy("one");
  int n = 0;
  iovec* iov = q.start_send(&n);
  EXPECT_TRUE(q.in_flight());
  EXPECT_FALSE(q.has_pending());
  q.append_copy("two");  // must not disturb the batch in flight
  EXPECT_EQ(gather(iov, n), "one");
  q.finish_send();
  EXPECT_FALSE(q.in_flight());
  ASSERT_TRUE(q.has_pending());
  iov = q.start_send(&n);
  EXPECT_EQ(gather(iov, n), "two");
  q.finish_send();
  EXPECT_FALSE(q.has_pending());
}

}  // namespace
}  // namespace percore::io
