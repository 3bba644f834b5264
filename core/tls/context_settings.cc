#include "core/tls/context_settings.h"

#include "core/tls/openssl_error.h"
#include "core/tls/protocol_names.h"

namespace percore::tls {
namespace {

bool fail(std::string* error, const std::string& what, const std::string& value) {
  std::string detail = drain_openssl_errors();
  *error = "bad " + what + " '" + value + "'" + (detail.empty() ? "" : ": " + detail);
  return false;
}

}  // namespace

bool apply_cipher_settings(SSL_CTX* ctx, const CipherSettings& s, std::string* error) {
  int min = parse_tls_version(s.min_version);
  int max = parse_tls_version(s.max_version);
  if (min < 0) return fail(error, "minimum TLS version (1.2 or 1.3)", s.min_version);
  if (max < 0) return fail(error, "maximum TLS version (1.2 or 1.3)", s.max_version);
  // TLS 1.0 and 1.1 are out of every current client; a load test of them measures nothing useful.
  if (SSL_CTX_set_min_proto_version(ctx, min == 0 ? TLS1_2_VERSION : min) != 1) {
    return fail(error, "minimum TLS version", s.min_version);
  }
  if (max != 0 && SSL_CTX_set_max_proto_version(ctx, max) != 1) {
    return fail(error, "maximum TLS version", s.max_version);
  }
  if (!s.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, s.ciphers.c_str()) != 1) {
    return fail(error, "TLS 1.2 cipher list", s.ciphers);
  }
  if (!s.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str()) != 1) {
    return fail(error, "TLS 1.3 ciphersuites", s.ciphersuites);
  }
  if (!s.groups.empty() && SSL_CTX_set1_groups_list(ctx, s.groups.c_str()) != 1) {
    return fail(error, "groups", s.groups);
  }
  // Renegotiation is refused on both sides: it is a CPU-exhaustion lever and nothing percore
  // serves needs it. No compression (CRIME), and the per-record allocation of the read and
  // write buffers is avoided by keeping them (no SSL_MODE_RELEASE_BUFFERS).
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  return true;
}

}  // namespace percore::tls
