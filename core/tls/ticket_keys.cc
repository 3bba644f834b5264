#include "core/tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

#include "core/tls/openssl_error.h"

namespace percore::tls {
namespace {

// The SSL_CTX ex_data slot that points back at the TicketKeys; one per process.
int keys_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

bool TicketKeys::generate(std::string* error) {
  if (RAND_bytes(name_, sizeof(name_)) != 1 || RAND_bytes(aes_, sizeof(aes_)) != 1 ||
      RAND_bytes(hmac_, sizeof(hmac_)) != 1) {
    *error = "ticket keys: " + drain_openssl_errors();
    return false;
  }
  return true;
}

bool TicketKeys::install(SSL_CTX* ctx, std::string* error) const {
  if (keys_index() < 0 ||
      SSL_CTX_set_ex_data(ctx, keys_index(), const_cast<TicketKeys*>(this)) != 1 ||
      SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &TicketKeys::ticket_callback) != 1) {
    *error = "ticket keys: " + drain_openssl_errors();
    return false;
  }
  return true;
}

// OpenSSL's contract: 1 = use these keys (and, when decrypting, the ticket is fine), 2 = fine
// but renew the ticket, 0 = unknown key name (full handshake), -1 = error.
int TicketKeys::ticket_callback(SSL* ssl, unsigned char key_name[16], unsigned char* iv,
                                EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* hmac, int encrypt) {
  const auto* keys =
      static_cast<const TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_index()));
  if (keys == nullptr) return -1;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  if (encrypt != 0) {
    std::memcpy(key_name, keys->name_, kNameBytes);
    if (RAND_bytes(iv, EVP_CIPHER_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, keys->aes_, iv) != 1) return -1;
  } else {
    if (std::memcmp(key_name, keys->name_, kNameBytes) != 0) return 0;
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, keys->aes_, iv) != 1) return -1;
  }
  if (EVP_MAC_CTX_set_params(hmac, params) != 1 ||
      EVP_MAC_init(hmac, keys->hmac_, kHmacBytes, nullptr) != 1) {
    return -1;
  }
  return 1;
}

}  // namespace percore::tls
