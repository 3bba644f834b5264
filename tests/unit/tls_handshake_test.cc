// Full handshakes between a server and a client engine in memory: both versions, ALPN, data both
// ways and close_notify.
#include <gtest/gtest.h>

#include "tests/unit/tls_pair.h"

namespace percore::tls::test {
namespace {

void expect_full_handshake(const char* version, const char* expected_name) {
  auto server_ctx = server_context();
  auto client_ctx = client_context(client_with_version(version));
  Connection server, client;
  ASSERT_TRUE(connect_pair(*server_ctx, *client_ctx, server, client))
      << failure_name(server.failure()) << " " << server.failure_detail() << " / "
      << failure_name(client.failure()) << " " << client.failure_detail();
  HandshakeInfo s = server.info();
  HandshakeInfo c = client.info();
  EXPECT_STREQ(s.version, expected_name);
  EXPECT_STREQ(c.version, expected_name);
  EXPECT_FALSE(s.resumed);
  EXPECT_FALSE(c.resumed);
  EXPECT_EQ(s.alpn, "http/1.1");
  EXPECT_EQ(c.alpn, "http/1.1");
  EXPECT_STREQ(s.cipher, c.cipher);
  EXPECT_EQ(send_text(client, server, "GET / HTTP/1.1\r\n\r\n"), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(send_text(server, client, "HTTP/1.1 200 OK\r\n\r\n"), "HTTP/1.1 200 OK\r\n\r\n");
}

TEST(TlsHandshake, Tls13InMemory) {
  expect_full_handshake("1.3", "TLSv1.3");
}

TEST(TlsHandshake, Tls12InMemory) {
  expect_full_handshake("1.2", "TLSv1.2");
}

TEST(TlsHandshake, AlpnFollowsTheServersPreference) {
  TlsServerConfig sc;
  sc.alpn = {"h2", "http/1.1"};
  TlsClientConfig cc;
  cc.alpn = {"http/1.1", "h2"};
  auto server_ctx = server_context(sc);
  auto client_ctx = client_context(cc);
  Connection server, client;
  ASSERT_TRUE(connect_pair(*server_ctx, *client_ctx, server, client));
  EXPECT_EQ(server.info().alpn, "h2");
  EXPECT_EQ(client.info().alpn, "h2");
}

TEST(TlsHandshake, NoCommonAlpnStillConnectsWithoutOne) {
  TlsClientConfig cc;
  cc.alpn = {"spdy/3"};
  auto server_ctx = server_context();
  auto client_ctx = client_context(cc);
  Connection server, client;
  ASSERT_TRUE(connect_pair(*server_ctx, *client_ctx, server, client));
  EXPECT_EQ(server.info().alpn, "");
  EXPECT_EQ(client.info().alpn, "");
}

TEST(TlsHandshake, ShutdownSendsCloseNotifyAndThePeerAnswers) {
  auto server_ctx = server_context();
  auto client_ctx = client_context();
  Connection server, client;
  ASSERT_TRUE(connect_pair(*server_ctx, *client_ctx, server, client));
  server.shutdown();
  EXPECT_EQ(server.state(), State::kClosed);
  ASSERT_TRUE(server.has_output());
  pump(server, client);
  char buf[64];
  EXPECT_EQ(client.read(buf, sizeof(buf)), -1);
  EXPECT_EQ(client.state(), State::kClosed);
  EXPECT_EQ(client.failure(), Failure::kNone);
  // The client's own close_notify, in answer.
  EXPECT_TRUE(client.has_output());
  iovec iov{buf, 1};
  EXPECT_FALSE(server.write(&iov, 1));
}

TEST(TlsHandshake, OutputStaysPutWhileInFlight) {
  auto server_ctx = server_context();
  auto client_ctx = client_context();
  Connection server, client;
  ASSERT_TRUE(connect_pair(*server_ctx, *client_ctx, server, client));
  std::string first = "first";
  iovec iov{first.data(), first.size()};
  ASSERT_TRUE(server.write(&iov, 1));
  std::string_view flight = server.take_output();
  ASSERT_FALSE(flight.empty());
  std::string copy(flight);
  // A second write fills the other buffer; the one in flight is untouched and not handed out
  // twice.
  ASSERT_TRUE(server.write(&iov, 1));
  EXPECT_TRUE(server.output_in_flight());
  EXPECT_TRUE(server.take_output().empty());
  EXPECT_EQ(std::string(flight), copy);
  client.feed(flight.data(), flight.size());
  server.output_sent();
  pump(server, client);
  EXPECT_EQ(read_all(client), "firstfirst");
}

TEST(TlsHandshake, BadSettingsNameTheValue) {
  std::string error;
  TlsServerConfig bad_ciphers;
  bad_ciphers.ciphers.ciphers = "NO-SUCH-CIPHER";
  EXPECT_EQ(ServerContext::create(bad_ciphers, &error), nullptr);
  EXPECT_NE(error.find("NO-SUCH-CIPHER"), std::string::npos) << error;
  TlsServerConfig bad_suites;
  bad_suites.ciphers.ciphersuites = "TLS_NOPE";
  EXPECT_EQ(ServerContext::create(bad_suites, &error), nullptr);
  EXPECT_NE(error.find("TLS_NOPE"), std::string::npos) << error;
  TlsServerConfig bad_groups;
  bad_groups.ciphers.groups = "P-257";
  EXPECT_EQ(ServerContext::create(bad_groups, &error), nullptr);
  EXPECT_NE(error.find("P-257"), std::string::npos) << error;
  TlsClientConfig bad_version;
  bad_version.ciphers.max_version = "1.4";
  EXPECT_EQ(ClientContext::create(bad_version, &error), nullptr);
  EXPECT_NE(error.find("1.4"), std::string::npos) << error;
  TlsServerConfig good;
  good.ciphers.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  good.ciphers.ciphersuites = "TLS_AES_256_GCM_SHA384";
  good.ciphers.groups = "X25519:P-256";
  EXPECT_NE(ServerContext::create(good, &error), nullptr) << error;
}

TEST(TlsHandshake, RenegotiationIsRefusedOnEveryContext) {
  auto server_ctx = server_context();
  auto client_ctx = client_context();
  EXPECT_NE(SSL_CTX_get_options(server_ctx->native()) & SSL_OP_NO_RENEGOTIATION, 0u);
  EXPECT_NE(SSL_CTX_get_options(client_ctx->native()) & SSL_OP_NO_RENEGOTIATION, 0u);
}

}  // namespace
}  // namespace percore::tls::test
