// A worker's TLS server context: certificate, versions, ciphers, ALPN, resumption. Each worker
// process builds its own after fork (one process per core, one context per worker), so no
// OpenSSL object is shared between workers and no lock is contended; only the ticket keys,
// plain bytes made by the master, are common.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tls/context_settings.h"
#include "core/tls/handles.h"

namespace percore::tls {

class TicketKeys;

struct TlsServerConfig {
  // PEM files; both empty: an ephemeral self-signed ECDSA P-256 certificate. cert_file may hold
  // a chain (leaf first).
  std::string cert_file;
  std::string key_file;
  // ALPN protocols in the server's order of preference; a client that offers none of them gets
  // no ALPN answer (and speaks HTTP/1.1). "h2" goes first here once percore speaks it.
  std::vector<std::string> alpn = {"http/1.1"};
  CipherSettings ciphers;
  // Session tickets (TLS 1.2 and 1.3). With them off, TLS 1.3 resumes through the cache below.
  bool tickets = true;
  // Made before fork; nullptr: OpenSSL's per-context keys (tickets resume on this worker only).
  const TicketKeys* ticket_keys = nullptr;
  // Sessions this worker remembers by id (TLS 1.2 ids; TLS 1.3 with tickets off).
  long session_cache_size = 20000;
};

class ServerContext {
 public:
  // nullptr and *error (naming the file or value at fault) when the context cannot be built.
  static std::unique_ptr<ServerContext> create(const TlsServerConfig& config, std::string* error);

  SSL_CTX* native() const { return ctx_.get(); }
  // SHA-256 fingerprint of the leaf certificate, for the start-up log line.
  const std::string& fingerprint() const { return fingerprint_; }
  bool self_signed() const { return self_signed_; }

 private:
  ServerContext() = default;
  bool load_certificate(const TlsServerConfig& config, std::string* error);
  static int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                         const unsigned char* in, unsigned int inlen, void* arg);

  SslCtxPtr ctx_;
  std::string alpn_wire_;
  std::string fingerprint_;
  bool self_signed_ = false;
};

}  // namespace percore::tls
