// Every failure cause the engine names, provoked for real: the connection ends with that cause
// (and an alert in its output where TLS allows one) and the context goes on serving others.
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/tls_pair.h"

namespace percore::tls::test {
namespace {

class TlsFailure : public ::testing::Test {
 protected:
  // The ClientHello a default client sends first.
  std::string client_hello() {
    auto ctx = client_context();
    Connection client;
    EXPECT_TRUE(client.connect(*ctx, "localhost"));
    std::string_view out = client.take_output();
    return std::string(out);
  }

  // After a failure, the same context still completes a handshake.
  void expect_context_still_serves() {
    Connection server, client;
    EXPECT_TRUE(connect_pair(*server_ctx_, *client_ctx_, server, client));
  }

  std::unique_ptr<ServerContext> server_ctx_ = server_context();
  std::unique_ptr<ClientContext> client_ctx_ = client_context();
};

TEST_F(TlsFailure, PlainHttpToATlsPort) {
  for (const char* request : {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS * HTTP/1.1\r\n\r\n"}) {
    SCOPED_TRACE(request);
    Connection server;
    ASSERT_TRUE(server.accept(*server_ctx_));
    std::string bytes = request;
    EXPECT_EQ(server.feed(bytes.data(), bytes.size()), Step::kFailed);
    EXPECT_EQ(server.state(), State::kFailed);
    EXPECT_EQ(server.failure(), Failure::kPlainHttp);
  }
  expect_context_still_serves();
}

TEST_F(TlsFailure, TruncatedClientHello) {
  std::string hello = client_hello();
  ASSERT_GT(hello.size(), 100u);
  Connection server;
  ASSERT_TRUE(server.accept(*server_ctx_));
  EXPECT_EQ(server.feed(hello.data(), hello.size() / 2), Step::kNeedInput);
  EXPECT_EQ(server.feed_eof(), Step::kFailed);
  EXPECT_EQ(server.failure(), Failure::kBadRecord);
  expect_context_still_serves();
}

TEST_F(TlsFailure, GarbageInsteadOfAClientHello) {
  // A handshake record whose body is no ClientHello: OpenSSL answers with a decode alert.
  std::string garbage = std::string("\x16\x03\x01\x00\x08\x01\x00\x00\x04zzzz", 13);
  Connection server;
  ASSERT_TRUE(server.accept(*server_ctx_));
  EXPECT_EQ(server.feed(garbage.data(), garbage.size()), Step::kFailed);
  EXPECT_EQ(server.failure(), Failure::kBadRecord) << server.failure_detail();
  EXPECT_TRUE(server.has_output()) << "an alert";
  std::string binary("\x00\x01\x02\x03\x04\x05\x06\x07", 8);
  Connection server2;
  ASSERT_TRUE(server2.accept(*server_ctx_));
  EXPECT_EQ(server2.feed(binary.data(), binary.size()), Step::kFailed);
  EXPECT_EQ(server2.failure(), Failure::kBadRecord) << server2.failure_detail();
}

TEST_F(TlsFailure, GarbageRecordMidStream) {
  Connection server, client;
  ASSERT_TRUE(connect_pair(*server_ctx_, *client_ctx_, server, client));
  std::string record = std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, '\x5a');
  EXPECT_EQ(server.feed(record.data(), record.size()), Step::kReadable);
  char buf[256];
  EXPECT_EQ(server.read(buf, sizeof(buf)), -1);
  EXPECT_EQ(server.state(), State::kFailed);
  EXPECT_EQ(server.failure(), Failure::kBadRecord) << server.failure_detail();
  ASSERT_TRUE(server.has_output()) << "a bad_record_mac alert";
  // The alert reaches the client, whose connection ends too.
  pump(server, client);
  EXPECT_EQ(client.read(buf, sizeof(buf)), -1);
  EXPECT_EQ(client.state(), State::kFailed);
  expect_context_still_serves();
}

TEST_F(TlsFailure, PeerGoneMidHandshake) {
  Connection server, client;
  ASSERT_TRUE(server.accept(*server_ctx_));
  ASSERT_TRUE(client.connect(*client_ctx_, "localhost"));
  pump(client, server);
  EXPECT_TRUE(server.has_output()) << "the ServerHello flight";
  EXPECT_EQ(server.feed_eof(), Step::kFailed);
  EXPECT_EQ(server.failure(), Failure::kPeerClosed);
  // Connected and gone without a byte (a port scanner, a health check).
  Connection silent;
  ASSERT_TRUE(silent.accept(*server_ctx_));
  EXPECT_EQ(silent.feed_eof(), Step::kFailed);
  EXPECT_EQ(silent.failure(), Failure::kPeerClosed);
}

// Both ends fail the handshake with kNoCommonCipher: the server finds nothing to agree on and
// its alert (handshake_failure, protocol_version) tells the client why.
void expect_no_common_ground(const TlsServerConfig& sc, const TlsClientConfig& cc) {
  auto server_ctx = server_context(sc);
  auto client_ctx = client_context(cc);
  Connection server, client;
  EXPECT_FALSE(connect_pair(*server_ctx, *client_ctx, server, client));
  EXPECT_EQ(server.failure(), Failure::kNoCommonCipher) << server.failure_detail();
  EXPECT_EQ(client.failure(), Failure::kNoCommonCipher) << client.failure_detail();
}

TEST_F(TlsFailure, NoCommonCipher) {
  TlsServerConfig sc;
  sc.ciphers.max_version = "1.2";
  sc.ciphers.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  TlsClientConfig cc = client_with_version("1.2");
  cc.ciphers.ciphers = "ECDHE-RSA-AES256-GCM-SHA384";
  expect_no_common_ground(sc, cc);
}

TEST_F(TlsFailure, NoCommonVersion) {
  TlsServerConfig sc;
  sc.ciphers.min_version = "1.3";
  expect_no_common_ground(sc, client_with_version("1.2"));
}

TEST_F(TlsFailure, RenegotiationRequest) {
  TlsClientConfig cc;
  cc.ciphers.max_version = "1.2";  // TLS 1.3 has no renegotiation
  auto client_ctx = client_context(cc);
  Connection server, client;
  ASSERT_TRUE(connect_pair(*server_ctx_, *client_ctx, server, client));
  // A client that asks anyway (percore's own refuses to, so the test lifts its option).
  SSL_clear_options(client.native(), SSL_OP_NO_RENEGOTIATION);
  ASSERT_EQ(SSL_renegotiate(client.native()), 1);
  SSL_do_handshake(client.native());
  ASSERT_TRUE(client.has_output()) << "a second ClientHello";
  pump(client, server);
  char buf[64];
  EXPECT_EQ(server.read(buf, sizeof(buf)), -1);
  EXPECT_EQ(server.state(), State::kFailed);
  EXPECT_EQ(server.failure(), Failure::kRenegotiation);
  EXPECT_TRUE(server.has_output()) << "the no_renegotiation alert";
  expect_context_still_serves();
}

TEST_F(TlsFailure, HandshakeTimeoutIsTheCallersCall) {
  Connection server;
  ASSERT_TRUE(server.accept(*server_ctx_));
  server.abandon(Failure::kHandshakeTimeout);
  EXPECT_EQ(server.state(), State::kFailed);
  EXPECT_EQ(server.failure(), Failure::kHandshakeTimeout);
  char buf[8];
  EXPECT_EQ(server.read(buf, sizeof(buf)), -1);
  std::string hello = client_hello();
  EXPECT_EQ(server.feed(hello.data(), hello.size()), Step::kFailed);
}

TEST_F(TlsFailure, CausesHaveStableDistinctNames) {
  std::set<std::string> names;
  for (size_t i = 0; i < kFailureCount; ++i) names.insert(failure_name(static_cast<Failure>(i)));
  EXPECT_EQ(names.size(), kFailureCount);
  EXPECT_STREQ(failure_name(Failure::kPlainHttp), "plain_http");
  EXPECT_STREQ(failure_name(Failure::kBadRecord), "bad_record");
  EXPECT_STREQ(failure_name(Failure::kPeerClosed), "peer_closed");
  EXPECT_STREQ(failure_name(Failure::kNoCommonCipher), "no_common_cipher");
  EXPECT_STREQ(failure_name(Failure::kRenegotiation), "renegotiation");
  EXPECT_STREQ(failure_name(Failure::kHandshakeTimeout), "handshake_timeout");
  EXPECT_STREQ(failure_name(Failure::kVerifyFailed), "verify_failed");
  EXPECT_STREQ(failure_name(Failure::kOther), "other");
  FailureCounts counts;
  counts.add(Failure::kPlainHttp);
  counts.add(Failure::kPlainHttp);
  EXPECT_EQ(counts[Failure::kPlainHttp], 2u);
  EXPECT_EQ(counts[Failure::kOther], 0u);
}

}  // namespace
}  // namespace percore::tls::test
