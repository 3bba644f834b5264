// Request smuggling and malformed input through the proxy: every case gets a 400 and a close,
// and not one byte reaches the backend, which records everything it receives.
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/proxy_helpers.h"
#include "tests/support/server_process.h"
#include "tests/support/test_upstream.h"

namespace percore::test {
namespace {

struct Case {
  const char* name;
  const char* request;
  // Found only in the body: the proxy may already have opened a backend connection (nothing
  // is sent on it; it is closed).
  bool in_body = false;
};

const Case kCases[] = {
    {"ContentLengthAndTransferEncoding",
     "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\n"},
    {"TransferEncodingThenContentLength",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
     "0\r\n\r\n"},
    {"TwoDifferentContentLengths",
     "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
    {"TwoEqualContentLengths",
     "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"},
    {"ContentLengthList", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 5\r\n\r\nhello"},
    {"ContentLengthNegative", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\nhello"},
    {"ContentLengthPlus", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nhello"},
    {"ContentLengthHex", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0x5\r\n\r\nhello"},
    {"ContentLengthHuge",
     "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\nhello"},
    {"TransferEncodingTrailingComma",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n"},
    {"TransferEncodingTrailingTab",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n"},
    {"TransferEncodingVerticalTab",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:\x0b"
     "chunked\r\n\r\n0\r\n\r\n"},
    {"TransferEncodingNotChunked",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"},
    {"TransferEncodingChunkedThenIdentity",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"},
    {"TransferEncodingXChunked",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
    {"TransferEncodingGzipChunked",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
    {"TwoTransferEncodingHeaders",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
     "\r\n0\r\n\r\n"},
    {"ObsFoldInHeader", "GET / HTTP/1.1\r\nHost: t\r\nX-A: b\r\n c\r\n\r\n"},
    {"ObsFoldTransferEncoding",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"},
    {"ObsFoldWithTab", "GET / HTTP/1.1\r\nHost: t\r\nX-A: b\r\n\tc\r\n\r\n"},
    {"BareLfEverywhere", "GET / HTTP/1.1\nHost: t\n\n"},
    {"BareLfInHeaders", "GET / HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n"},
    {"BareLfEndsHead", "GET / HTTP/1.1\r\nHost: t\r\n\n"},
    {"BareCrInHeader", "GET / HTTP/1.1\r\nHost: t\rX-A: b\r\n\r\n"},
    {"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n"},
    {"SpaceBeforeColonTransferEncoding",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"},
    {"TabBeforeColon", "GET / HTTP/1.1\r\nHost\t: t\r\n\r\n"},
    {"BadChunkSize",
     "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
     true},
    {"NoHostInHttp11", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n"},
    {"TwoHosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
    {"ControlCharInValue", "GET / HTTP/1.1\r\nHost: t\r\nX-A: a\x01z\r\n\r\n"},
    {"ConnectMethod", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
    // Absolute-form targets the proxy cannot turn into origin-form plus Host.
    {"AbsoluteFormNotHttp", "GET ftp://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n"},
    {"AbsoluteFormUserinfo",
     "GET http://user:pw@example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n"},
    {"AbsoluteFormBadPort", "GET http://example.com:99999/x HTTP/1.1\r\nHost: e\r\n\r\n"},
};

class ServerProxySmuggling : public ::testing::TestWithParam<std::tuple<std::string, Case>> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(std::get<0>(GetParam()));
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

TEST_P(ServerProxySmuggling, Gets400CloseAndNothingReachesBackend) {
  TestUpstream backend;
  ServerProcess proxy =
      start_proxy(std::get<0>(GetParam()), {backend.address()}, {"-k", "-w", "1"});
  ASSERT_TRUE(proxy.ok()) << proxy.process->stderr_text();
  const Case& c = std::get<1>(GetParam());
  int fd = connect_loopback(proxy.port);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, c.request));
  bool closed = false;
  auto rs = read_responses(fd, 1, 5000, false, &closed);
  ASSERT_EQ(rs.size(), 1u) << c.name;
  EXPECT_EQ(rs[0].status, 400) << c.name;
  EXPECT_FALSE(rs[0].keep_alive);
  EXPECT_TRUE(closed || wait_closed(fd, 3000)) << c.name;
  close(fd);
  usleep(50000);  // anything forwarded would have arrived by now
  EXPECT_EQ(backend.received(), "") << c.name;
  if (!c.in_body) {
    EXPECT_EQ(backend.connections(), 0u) << c.name;
  }
}

// The proxy stays a working proxy: the same set-up forwards a valid request.
TEST_P(ServerProxySmuggling, ValidRequestStillPassesAfterwards) {
  TestUpstream backend;
  ServerProcess proxy =
      start_proxy(std::get<0>(GetParam()), {backend.address()}, {"-k", "-w", "1"});
  ASSERT_TRUE(proxy.ok());
  Response r = http_get(proxy.port, "/fine");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(backend.requests(), 1u);
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<std::string, Case>>& info) {
  return std::string(std::get<1>(info.param).name) + "_" + std::get<0>(info.param);
}

INSTANTIATE_TEST_SUITE_P(Cases, ServerProxySmuggling,
                         ::testing::Combine(every_backend(), ::testing::ValuesIn(kCases)),
                         case_name);

}  // namespace
}  // namespace percore::test
