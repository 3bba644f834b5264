// In-memory TLS connections for the tls_* tests: a server and a client engine whose ciphertext
// is handed across by the test instead of a socket.
#pragma once

#include <memory>
#include <string>

#include "core/tls/client_context.h"
#include "core/tls/connection.h"
#include "core/tls/server_context.h"

namespace percore::tls::test {

std::unique_ptr<ServerContext> server_context(const TlsServerConfig& config = {});
std::unique_ptr<ClientContext> client_context(const TlsClientConfig& config = {});

// A client config pinned to one TLS version ("1.2" or "1.3").
TlsClientConfig client_with_version(const char* version);

// Starts both ends (the client names "localhost") and drives the handshake; true when both are
// open.
bool connect_pair(const ServerContext& server_ctx, ClientContext& client_ctx, Connection& server,
                  Connection& client);

// Moves pending ciphertext from one engine to the other; returns the bytes moved.
size_t pump(Connection& from, Connection& to);

// Drives both engines until neither has anything to send; the client also reads (TLS 1.3
// tickets arrive after its handshake). Returns true when both are open.
bool handshake(Connection& server, Connection& client);

// Reads every plaintext byte the engine holds now.
std::string read_all(Connection& c);

// Encrypts text on one side, moves it and returns what the other side reads.
std::string send_text(Connection& from, Connection& to, const std::string& text);

// Runs a shell command (the `openssl` tool); returns its exit status.
int run(const std::string& command);

// A fresh directory under /tmp, removed when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

}  // namespace percore::tls::test
