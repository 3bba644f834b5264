// client udp's datagram format and sequence tracking.
#include <gtest/gtest.h>

#include <string>

#include "client/udp/udp_packet.h"
#include "client/udp/udp_tracker.h"

namespace percore::client {
namespace {

TEST(UdpDatagram, RoundTripsHeaderAndVerifiesPayload) {
  for (uint32_t len : {16u, 17u, 23u, 64u, 1000u, 65507u}) {
    std::string buf(len, '\0');
    uint64_t seq = make_seq(7, 123456789);
    write_datagram(buf.data(), len, seq, 42);
    uint64_t got_seq = 0;
    int64_t sent = 0;
    ASSERT_EQ(read_datagram(buf.data(), len, len, &got_seq, &sent), DatagramCheck::kOk) << len;
    EXPECT_EQ(got_seq, seq);
    EXPECT_EQ(sent, 42);
    EXPECT_EQ(seq_stream(got_seq), 7u);
    EXPECT_EQ(seq_counter(got_seq), 123456789u);
    if (len > kUdpHeaderBytes) {
      buf[len - 1] ^= 1;
      EXPECT_EQ(read_datagram(buf.data(), len, len, &got_seq, &sent), DatagramCheck::kCorrupt);
    }
  }
}

TEST(UdpDatagram, ShorterThanTheHeaderOrWrongSizeIsMalformed) {
  std::string buf(100, '\0');
  write_datagram(buf.data(), 100, 1, 1);
  uint64_t seq;
  int64_t sent;
  EXPECT_EQ(read_datagram(buf.data(), 0, 100, &seq, &sent), DatagramCheck::kMalformed);
  EXPECT_EQ(read_datagram(buf.data(), 15, 100, &seq, &sent), DatagramCheck::kMalformed);
  EXPECT_EQ(read_datagram(buf.data(), 99, 100, &seq, &sent), DatagramCheck::kMalformed);
}

TEST(SeqTracker, NewReorderedDuplicateAndTooOld) {
  SeqTracker t;
  EXPECT_EQ(t.record(0), SeqTracker::Seen::kNew);
  EXPECT_EQ(t.record(2), SeqTracker::Seen::kNew);
  EXPECT_EQ(t.record(1), SeqTracker::Seen::kReordered);
  EXPECT_EQ(t.record(1), SeqTracker::Seen::kDuplicate);
  EXPECT_EQ(t.record(2), SeqTracker::Seen::kDuplicate);
  EXPECT_EQ(t.unique(), 3u);
  EXPECT_EQ(t.span(), 3u);
  // A jump past the window forgets everything older; the reused bits start clear.
  EXPECT_EQ(t.record(2 + SeqTracker::kWindow + 5), SeqTracker::Seen::kNew);
  EXPECT_EQ(t.record(1), SeqTracker::Seen::kTooOld);
  EXPECT_EQ(t.record(2 + SeqTracker::kWindow + 4), SeqTracker::Seen::kReordered);
  EXPECT_EQ(t.unique(), 5u);
}

}  // namespace
}  // namespace percore::client
