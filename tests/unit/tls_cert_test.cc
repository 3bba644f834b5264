// Certificates: PEM files (a chain) made at test time with the `openssl` command, client
// verification against a CA file, and the ephemeral self-signed certificate's fingerprint.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/tls/self_signed.h"
#include "tests/unit/tls_pair.h"

namespace percore::tls::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A CA and a leaf for localhost/127.0.0.1 signed by it; chain.pem is leaf then CA.
class TlsCert : public ::testing::Test {
 protected:
  void SetUp() override {
    if (run("openssl version") != 0) GTEST_SKIP() << "no openssl command";
    std::ofstream(dir_.path("ext.cnf")) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    ASSERT_EQ(run("openssl req -x509 " + ec + " -keyout " + p("ca.key") + " -out " + p("ca.pem") +
                  " -subj /CN=percore-test-ca -days 2"),
              0);
    ASSERT_EQ(run("openssl req " + ec + " -keyout " + p("leaf.key") + " -out " + p("leaf.csr") +
                  " -subj /CN=localhost"),
              0);
    ASSERT_EQ(run("openssl x509 -req -in " + p("leaf.csr") + " -CA " + p("ca.pem") + " -CAkey " +
                  p("ca.key") + " -CAcreateserial -days 2 -extfile " + p("ext.cnf") + " -out " +
                  p("leaf.pem")),
              0);
    std::ofstream(p("chain.pem")) << slurp(p("leaf.pem")) << slurp(p("ca.pem"));
    ASSERT_EQ(run("openssl req -x509 " + ec + " -keyout " + p("other.key") + " -out " +
                  p("other.pem") + " -subj /CN=other-ca -days 2"),
              0);
  }
  std::string p(const std::string& name) const { return dir_.path(name); }

  // Handshake of a client with `cc` against a server with the chain; returns the client.
  Failure connect_with(const TlsClientConfig& cc, std::string_view address = "localhost") {
    TlsServerConfig sc;
    sc.cert_file = p("chain.pem");
    sc.key_file = p("leaf.key");
    auto server_ctx = server_context(sc);
    auto client_ctx = client_context(cc);
    if (server_ctx == nullptr || client_ctx == nullptr) return Failure::kOther;
    Connection server, client;
    EXPECT_TRUE(server.accept(*server_ctx));
    EXPECT_TRUE(client.connect(*client_ctx, address));
    bool open = handshake(server, client);
    if (open) {
      STACK_OF(X509)* chain = SSL_get_peer_cert_chain(client.native());
      EXPECT_EQ(chain != nullptr ? sk_X509_num(chain) : 0, 2) << "leaf and CA";
    }
    return open ? Failure::kNone : client.failure();
  }

  TempDir dir_;
};

TEST_F(TlsCert, ChainFromPemFilesVerifiesAgainstItsCa) {
  TlsClientConfig cc;
  cc.ca_file = p("ca.pem");
  EXPECT_EQ(connect_with(cc), Failure::kNone);
  EXPECT_EQ(connect_with(cc, "127.0.0.1"), Failure::kNone);
  // Verification off (the default) accepts anything.
  EXPECT_EQ(connect_with(TlsClientConfig{}), Failure::kNone);
}

TEST_F(TlsCert, VerifyFailsForAnotherCaOrName) {
  TlsClientConfig other_ca;
  other_ca.ca_file = p("other.pem");
  EXPECT_EQ(connect_with(other_ca), Failure::kVerifyFailed);
  TlsClientConfig wrong_name;
  wrong_name.ca_file = p("ca.pem");
  wrong_name.server_name = "example.com";
  EXPECT_EQ(connect_with(wrong_name), Failure::kVerifyFailed);
  TlsClientConfig by_address;
  by_address.ca_file = p("ca.pem");
  EXPECT_EQ(connect_with(by_address, "127.0.0.2"), Failure::kVerifyFailed);
}

TEST_F(TlsCert, LoadErrorsNameTheFile) {
  std::string error;
  TlsServerConfig missing;
  missing.cert_file = p("nope.pem");
  missing.key_file = p("leaf.key");
  EXPECT_EQ(ServerContext::create(missing, &error), nullptr);
  EXPECT_NE(error.find("nope.pem"), std::string::npos) << error;
  TlsServerConfig mismatched;
  mismatched.cert_file = p("chain.pem");
  mismatched.key_file = p("other.key");
  EXPECT_EQ(ServerContext::create(mismatched, &error), nullptr);
  EXPECT_NE(error.find("other.key"), std::string::npos) << error;
  TlsServerConfig half;
  half.cert_file = p("chain.pem");
  EXPECT_EQ(ServerContext::create(half, &error), nullptr);
  TlsClientConfig bad_ca;
  bad_ca.ca_file = p("nope-ca.pem");
  EXPECT_EQ(ClientContext::create(bad_ca, &error), nullptr);
  EXPECT_NE(error.find("nope-ca.pem"), std::string::npos) << error;
}

TEST_F(TlsCert, FingerprintMatchesTheOpensslCommand) {
  TlsServerConfig sc;
  sc.cert_file = p("chain.pem");
  sc.key_file = p("leaf.key");
  auto ctx = server_context(sc);
  ASSERT_NE(ctx, nullptr);
  EXPECT_FALSE(ctx->self_signed());
  ASSERT_EQ(run("sh -c 'openssl x509 -in " + p("leaf.pem") + " -noout -fingerprint -sha256 > " +
                p("fp.txt") + "'"),
            0);
  std::string line = slurp(p("fp.txt"));
  std::string expected = line.substr(line.find('=') + 1);
  expected.erase(expected.find_last_not_of("\r\n") + 1);
  EXPECT_EQ(ctx->fingerprint(), expected);
}

TEST(TlsSelfSigned, EphemeralCertificateAndItsFingerprint) {
  auto a = server_context();
  auto b = server_context();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(a->self_signed());
  EXPECT_EQ(a->fingerprint().size(), 32u * 3 - 1);  // 32 hex pairs, colon-separated
  EXPECT_NE(a->fingerprint(), b->fingerprint()) << "a new key every start";
  // What a client sees is the certificate the fingerprint names, an ECDSA P-256 key.
  auto client_ctx = client_context();
  Connection server, client;
  ASSERT_TRUE(connect_pair(*a, *client_ctx, server, client));
  X509* peer = SSL_get0_peer_certificate(client.native());
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ(sha256_fingerprint(peer), a->fingerprint());
  EVP_PKEY* key = X509_get0_pubkey(peer);
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(key, "EC"));
  char group[32] = {};
  size_t group_len = 0;
  EXPECT_EQ(EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &group_len), 1);
  EXPECT_STREQ(group, "prime256v1");
}

}  // namespace
}  // namespace percore::tls::test
