#include "core/tls/server_context.h"

#include <openssl/err.h>

#include <algorithm>

#include "core/tls/openssl_error.h"
#include "core/tls/protocol_names.h"
#include "core/tls/self_signed.h"
#include "core/tls/ticket_keys.h"

namespace percore::tls {
namespace {

// Names the sessions of this program, so that a session id from another program sharing a
// cache (none here, but OpenSSL insists on one with a server cache) is never resumed.
constexpr unsigned char kSessionIdContext[] = "percore";

}  // namespace

std::unique_ptr<ServerContext> ServerContext::create(const TlsServerConfig& config,
                                                     std::string* error) {
  ERR_clear_error();
  std::unique_ptr<ServerContext> out(new ServerContext());
  out->ctx_.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ctx = out->ctx_.get();
  if (ctx == nullptr) {
    *error = "SSL_CTX_new: " + drain_openssl_errors();
    return nullptr;
  }
  if (!apply_cipher_settings(ctx, config.ciphers, error)) return nullptr;
  if (!out->load_certificate(config, error)) return nullptr;
  if (!alpn_wire(config.alpn, &out->alpn_wire_, error)) return nullptr;
  if (!out->alpn_wire_.empty())
    SSL_CTX_set_alpn_select_cb(ctx, &ServerContext::select_alpn, out.get());

  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx, config.session_cache_size);
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  if (!config.tickets) {
    // TLS 1.2 resumes by session id; TLS 1.3 gets stateful tickets (ids into the same cache).
    // Either way only on the worker that made the session: that is the point of turning
    // stateless tickets off in a test.
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  } else if (config.ticket_keys != nullptr && !config.ticket_keys->install(ctx, error)) {
    return nullptr;
  }
  return out;
}

bool ServerContext::load_certificate(const TlsServerConfig& config, std::string* error) {
  SSL_CTX* ctx = ctx_.get();
  if (config.cert_file.empty() != config.key_file.empty()) {
    *error = "a TLS certificate needs both a certificate file and a key file";
    return false;
  }
  if (config.cert_file.empty()) {
    SelfSigned made = make_self_signed(error);
    if (made.cert == nullptr) return false;
    if (SSL_CTX_use_certificate(ctx, made.cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, made.key.get()) != 1) {
      *error = "self-signed certificate: " + drain_openssl_errors();
      return false;
    }
    self_signed_ = true;
  } else {
    if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1) {
      *error = "TLS certificate file " + config.cert_file + ": " + drain_openssl_errors();
      return false;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      *error = "TLS key file " + config.key_file + ": " + drain_openssl_errors();
      return false;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      *error = "TLS key file " + config.key_file + " does not match " + config.cert_file + ": " +
               drain_openssl_errors();
      return false;
    }
  }
  fingerprint_ = sha256_fingerprint(SSL_CTX_get0_certificate(ctx));
  return true;
}

// Server preference: the first of our protocols the client offers wins.
int ServerContext::select_alpn(SSL*, const unsigned char** out, unsigned char* outlen,
                               const unsigned char* in, unsigned int inlen, void* arg) {
  const auto* self = static_cast<const ServerContext*>(arg);
  const auto* ours = reinterpret_cast<const unsigned char*>(self->alpn_wire_.data());
  size_t ours_len = self->alpn_wire_.size();
  for (size_t i = 0; i < ours_len; i += 1 + ours[i]) {
    for (unsigned int j = 0; j < inlen; j += 1 + in[j]) {
      if (in[j] == ours[i] && j + 1 + in[j] <= inlen &&
          std::equal(ours + i + 1, ours + i + 1 + ours[i], in + j + 1)) {
        *out = in + j + 1;
        *outlen = in[j];
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace percore::tls
