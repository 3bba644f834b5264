// What the server and client contexts configure alike: versions, ciphers, groups, and the
// options every percore TLS context carries.
#pragma once

#include <openssl/ssl.h>

#include <string>

namespace percore::tls {

struct CipherSettings {
  // "1.2" or "1.3"; "" leaves OpenSSL's default (1.2 is the floor we set in any case).
  std::string min_version;
  std::string max_version;
  std::string ciphers;       // TLS 1.2, OpenSSL cipher-list syntax ("" = default)
  std::string ciphersuites;  // TLS 1.3, OpenSSL ciphersuites syntax ("" = default)
  std::string groups;        // key exchange, "X25519:P-256" ("" = default)
};

// Applies the settings; on failure sets *error naming the bad value and returns false.
bool apply_cipher_settings(SSL_CTX* ctx, const CipherSettings& s, std::string* error);

}  // namespace percore::tls
