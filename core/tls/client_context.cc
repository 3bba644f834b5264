#include "core/tls/client_context.h"

#include <openssl/err.h>

#include "core/tls/openssl_error.h"
#include "core/tls/protocol_names.h"

namespace percore::tls {
namespace {

int context_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

std::unique_ptr<ClientContext> ClientContext::create(const TlsClientConfig& config,
                                                     std::string* error) {
  ERR_clear_error();
  if (config.resume_fraction < 0 || config.resume_fraction > 1) {
    *error = "the resumed share of connections must be between 0 and 1";
    return nullptr;
  }
  std::unique_ptr<ClientContext> out(new ClientContext(config.resume_fraction));
  out->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* ctx = out->ctx_.get();
  if (ctx == nullptr) {
    *error = "SSL_CTX_new: " + drain_openssl_errors();
    return nullptr;
  }
  if (!apply_cipher_settings(ctx, config.ciphers, error)) return nullptr;
  if (!tls::alpn_wire(config.alpn, &out->alpn_wire_, error)) return nullptr;
  if (!out->alpn_wire_.empty() &&
      SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(out->alpn_wire_.data()),
                              static_cast<unsigned int>(out->alpn_wire_.size())) != 0) {
    *error = "ALPN: " + drain_openssl_errors();
    return nullptr;
  }
  if (!config.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, config.ca_file.c_str(), nullptr) != 1) {
      *error = "CA file " + config.ca_file + ": " + drain_openssl_errors();
      return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    out->verify_ = true;
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  out->server_name_ = config.server_name;
  // Sessions come to the store through the callback (TLS 1.3 tickets arrive after the
  // handshake); OpenSSL's own client cache is not used.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &ClientContext::on_new_session);
  if (context_index() < 0 || SSL_CTX_set_ex_data(ctx, context_index(), out.get()) != 1) {
    *error = "SSL_CTX_set_ex_data: " + drain_openssl_errors();
    return nullptr;
  }
  return out;
}

// Returns 0: the store took its own reference, OpenSSL keeps (and later frees) its one.
int ClientContext::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self =
      static_cast<ClientContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), context_index()));
  if (self != nullptr) self->sessions_.store(session);
  return 0;
}

}  // namespace percore::tls
