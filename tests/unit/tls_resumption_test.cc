// Resumption: tickets (TLS 1.3 and 1.2), the TLS 1.2 session-id cache with tickets off, ticket
// keys shared by contexts (and by forked processes, as the server's workers are), and the
// client's resume fraction.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/tls/ticket_keys.h"
#include "tests/unit/tls_pair.h"

namespace percore::tls::test {
namespace {

// One connection from client_ctx to server_ctx; returns whether it resumed (false, and a test
// failure, when the handshake fails).
bool connect_once(const ServerContext& server_ctx, ClientContext& client_ctx) {
  Connection server, client;
  bool open = connect_pair(server_ctx, client_ctx, server, client);
  EXPECT_TRUE(open) << failure_name(server.failure()) << " " << server.failure_detail();
  EXPECT_EQ(server.info().resumed, client.info().resumed);
  return open && server.info().resumed;
}

TicketKeys make_keys() {
  TicketKeys keys;
  std::string error;
  EXPECT_TRUE(keys.generate(&error)) << error;
  return keys;
}

// One worker's context: it issues and accepts tickets under `keys`.
std::unique_ptr<ServerContext> worker_with_keys(const TicketKeys& keys) {
  TlsServerConfig sc;
  sc.ticket_keys = &keys;
  return server_context(sc);
}

TEST(TlsResumption, TicketResumesTheSecondConnection) {
  for (const char* version : {"1.3", "1.2"}) {
    SCOPED_TRACE(version);
    auto server_ctx = server_context();
    auto client_ctx = client_context(client_with_version(version));
    EXPECT_FALSE(connect_once(*server_ctx, *client_ctx));
    EXPECT_TRUE(client_ctx->sessions().has_session());
    EXPECT_TRUE(connect_once(*server_ctx, *client_ctx));
  }
}

TEST(TlsResumption, TicketsOffResumesTls12BySessionId) {
  TlsServerConfig sc;
  sc.tickets = false;
  auto server_ctx = server_context(sc);
  auto client_ctx = client_context(client_with_version("1.2"));
  EXPECT_FALSE(connect_once(*server_ctx, *client_ctx));
  EXPECT_TRUE(connect_once(*server_ctx, *client_ctx));
  // The id lives in this worker's cache: another worker's context does not know it.
  auto other_worker = server_context(sc);
  EXPECT_FALSE(connect_once(*other_worker, *client_ctx));
}

TEST(TlsResumption, ContextsSharingTicketKeysAcceptEachOthersTickets) {
  TicketKeys keys = make_keys();
  auto worker_a = worker_with_keys(keys);
  auto worker_b = worker_with_keys(keys);
  for (const char* version : {"1.3", "1.2"}) {
    SCOPED_TRACE(version);
    auto client_ctx = client_context(client_with_version(version));
    EXPECT_FALSE(connect_once(*worker_a, *client_ctx));
    EXPECT_TRUE(connect_once(*worker_b, *client_ctx));
  }
}

TEST(TlsResumption, DifferentTicketKeysDoNotResume) {
  TicketKeys keys_a = make_keys();
  TicketKeys keys_b = make_keys();
  auto worker_a = worker_with_keys(keys_a);
  auto worker_b = worker_with_keys(keys_b);
  auto client_ctx = client_context();
  EXPECT_FALSE(connect_once(*worker_a, *client_ctx));
  EXPECT_FALSE(connect_once(*worker_b, *client_ctx));
  // Without shared keys each context makes its own: no resumption across them either.
  auto plain_a = server_context();
  auto plain_b = server_context();
  auto client2 = client_context();
  EXPECT_FALSE(connect_once(*plain_a, *client2));
  EXPECT_FALSE(connect_once(*plain_b, *client2));
}

// The master makes the keys and forks; a ticket issued by the master's context (standing in
// for one worker) resumes on a context built in the child (another worker), and not on one
// built there with keys of its own.
TEST(TlsResumption, ForkedWorkerAcceptsATicketFromAnother) {
  TicketKeys keys = make_keys();
  auto worker_a = worker_with_keys(keys);
  auto client_ctx = client_context();
  ASSERT_FALSE(connect_once(*worker_a, *client_ctx));
  ASSERT_TRUE(client_ctx->sessions().has_session());
  auto child = [&](bool own_keys) {
    pid_t pid = fork();
    if (pid == 0) {
      TicketKeys other = make_keys();
      TlsServerConfig child_config;
      child_config.ticket_keys = own_keys ? &other : &keys;
      std::string error;
      auto worker_b = ServerContext::create(child_config, &error);
      bool resumed = worker_b != nullptr && connect_once(*worker_b, *client_ctx);
      _exit(resumed ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(child(false), 0);
  EXPECT_EQ(child(true), 1);
}

TEST(TlsResumption, ResumeFractionChoosesFullOrResumed) {
  auto server_ctx = server_context();
  for (double fraction : {0.0, 0.5, 1.0}) {
    SCOPED_TRACE(fraction);
    TlsClientConfig cc;
    cc.resume_fraction = fraction;
    auto client_ctx = client_context(cc);
    int resumed = 0;
    // The first connection has nothing to resume; the other eight follow the fraction.
    EXPECT_FALSE(connect_once(*server_ctx, *client_ctx));
    for (int i = 0; i < 8; ++i) resumed += connect_once(*server_ctx, *client_ctx) ? 1 : 0;
    EXPECT_EQ(resumed, static_cast<int>(8 * fraction));
  }
  std::string error;
  TlsClientConfig bad;
  bad.resume_fraction = 1.5;
  EXPECT_EQ(ClientContext::create(bad, &error), nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace percore::tls::test
