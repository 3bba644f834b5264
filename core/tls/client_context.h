// The client role's context: one per target of a load-generator worker (or per upstream of a
// proxy worker). Verification is off by default because a load test targets its own servers,
// often with a self-signed certificate; a CA file turns it on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tls/context_settings.h"
#include "core/tls/handles.h"
#include "core/tls/session_store.h"

namespace percore::tls {

struct TlsClientConfig {
  // SNI and the name checked in the certificate; "" takes the address. An IP literal is
  // checked against the certificate's IP SANs and not sent as SNI (RFC 6066 forbids it).
  std::string server_name;
  std::vector<std::string> alpn = {"http/1.1"};
  CipherSettings ciphers;
  std::string ca_file;  // "" = no verification
  // Share of new connections that resume the stored session (client --tls-resume).
  double resume_fraction = 1.0;
};

class ClientContext {
 public:
  static std::unique_ptr<ClientContext> create(const TlsClientConfig& config, std::string* error);

  SSL_CTX* native() const { return ctx_.get(); }
  const std::string& alpn_wire() const { return alpn_wire_; }
  const std::string& server_name() const { return server_name_; }
  bool verifies() const { return verify_; }
  SessionStore& sessions() { return sessions_; }

 private:
  explicit ClientContext(double resume_fraction) : sessions_(resume_fraction) {}
  static int on_new_session(SSL* ssl, SSL_SESSION* session);

  SslCtxPtr ctx_;
  std::string alpn_wire_;
  std::string server_name_;
  bool verify_ = false;
  SessionStore sessions_;
};

}  // namespace percore::tls
