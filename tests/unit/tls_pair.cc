#include "tests/unit/tls_pair.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

namespace percore::tls::test {

std::unique_ptr<ServerContext> server_context(const TlsServerConfig& config) {
  std::string error;
  auto ctx = ServerContext::create(config, &error);
  EXPECT_NE(ctx, nullptr) << error;
  return ctx;
}

std::unique_ptr<ClientContext> client_context(const TlsClientConfig& config) {
  std::string error;
  auto ctx = ClientContext::create(config, &error);
  EXPECT_NE(ctx, nullptr) << error;
  return ctx;
}

TlsClientConfig client_with_version(const char* version) {
  TlsClientConfig c;
  c.ciphers.min_version = version;
  c.ciphers.max_version = version;
  return c;
}

bool connect_pair(const ServerContext& server_ctx, ClientContext& client_ctx, Connection& server,
                  Connection& client) {
  return server.accept(server_ctx) && client.connect(client_ctx, "localhost") &&
         handshake(server, client);
}

size_t pump(Connection& from, Connection& to) {
  std::string_view out = from.take_output();
  size_t moved = out.size();
  if (moved > 0) to.feed(out.data(), out.size());
  from.output_sent();
  return moved;
}

bool handshake(Connection& server, Connection& client) {
  for (int round = 0; round < 20; ++round) {
    size_t moved = pump(client, server) + pump(server, client);
    char sink[256];
    while (client.state() == State::kOpen && client.read(sink, sizeof(sink)) > 0) {
    }
    if (moved == 0) break;
  }
  return server.state() == State::kOpen && client.state() == State::kOpen;
}

std::string read_all(Connection& c) {
  std::string out;
  char buf[4096];
  long n = 0;
  while ((n = c.read(buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string send_text(Connection& from, Connection& to, const std::string& text) {
  iovec iov{const_cast<char*>(text.data()), text.size()};
  EXPECT_TRUE(from.write(&iov, 1));
  pump(from, to);
  return read_all(to);
}

int run(const std::string& command) {
  int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TempDir::TempDir() {
  char pattern[] = "/tmp/percore-tls-XXXXXX";
  const char* made = mkdtemp(pattern);
  EXPECT_NE(made, nullptr);
  dir_ = made != nullptr ? made : "/tmp";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (dir_ != "/tmp") std::filesystem::remove_all(dir_, ec);
}

}  // namespace percore::tls::test
