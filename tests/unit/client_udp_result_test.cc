// `client udp`'s judgement of its figures: loss of a sink is taken over what the senders sent
// (valid datagrams plus the gaps in their sequence numbers), so --fail-if lost_pct works there;
// failed sends are accounted apart from sent and not-sent, and a refusing target is named as
// such rather than blamed on the client falling behind.
#include <gtest/gtest.h>

#include <cerrno>

#include "client/udp/udp_result.h"

namespace percore::client {
namespace {

bool any_has(const std::vector<std::string>& v, const std::string& s) {
  for (const std::string& x : v) {
    if (x.find(s) != std::string::npos) return true;
  }
  return false;
}

TEST(ClientUdpResult, SinkLossIsOverValidPlusGapsAndItsHeaderSaysWhatArrived) {
  UdpResult r;
  r.options.sink = true;
  r.options.length = 64;  // the -l default: a sink never sends it
  r.stats.received = 90;
  r.stats.received_bytes = 90 * 1000;
  r.stats.unique = 90;
  r.stats.lost = 10;  // sent 0
  EXPECT_DOUBLE_EQ(r.lost_pct(), 10.0);
  std::string text = render_udp_text(r);
  EXPECT_EQ(text.find("64 bytes"), std::string::npos) << text;
  EXPECT_NE(text.find("1000 bytes per datagram received"), std::string::npos) << text;
  EXPECT_NE(text.find("(10.000%)"), std::string::npos) << text;
}

TEST(ClientUdpResult, FailedSendsAreCountedApartAndARefusingTargetIsNamed) {
  UdpResult r;
  r.options.rate = 10000;
  r.options.target_text = "127.0.0.1:9";
  r.stats.planned = 10000;
  r.stats.sent = 9770;
  r.stats.not_sent = 0;
  r.stats.add_send_error(ECONNREFUSED, 230);
  EXPECT_EQ(r.stats.send_failed(), 230u);
  EXPECT_EQ(r.stats.sent + r.stats.send_failed() + r.stats.not_sent, r.stats.planned);
  judge_udp(&r);
  EXPECT_TRUE(any_has(r.warnings, "230 sends failed (ECONNREFUSED 230)"));
  EXPECT_TRUE(any_has(r.warnings, "ICMP port unreachable"));
  EXPECT_FALSE(any_has(r.warnings, "never left the client"));
  std::string text = render_udp_text(r);
  EXPECT_NE(text.find("planned 10000, send failed 230, not sent 0"), std::string::npos) << text;
  EXPECT_EQ(udp_json(r)["send_failed"], 230);
}

TEST(ClientUdpResult, AClientFallingBehindIsStillNamedAsTheCause) {
  UdpResult r;
  r.options.rate = 10000;
  r.stats.planned = 10000;
  r.stats.sent = 9000;
  r.stats.not_sent = 1000;
  judge_udp(&r);
  EXPECT_TRUE(any_has(r.warnings, "1000 never left the client (it fell behind the schedule)"));
  EXPECT_FALSE(any_has(r.warnings, "refused"));
}

}  // namespace
}  // namespace percore::client
