// Session-ticket key material made once, by the server's master before it forks: every worker
// inherits the same bytes, so a ticket issued by one worker resumes on any other (the kernel's
// SO_REUSEPORT hash sends a returning client to whichever worker it likes). OpenSSL's default
// keys are random per SSL_CTX, i.e. per worker, which would make resumption a lottery.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

namespace percore::tls {

class TicketKeys {
 public:
  static constexpr size_t kNameBytes = 16;
  static constexpr size_t kAesBytes = 32;   // AES-256-CBC, as OpenSSL's own tickets
  static constexpr size_t kHmacBytes = 32;  // HMAC-SHA256

  // Fills the keys from the system's random source; false (and *error) when it fails.
  bool generate(std::string* error);

  // Makes ctx encrypt and accept tickets with these keys. The object must outlive ctx.
  bool install(SSL_CTX* ctx, std::string* error) const;

  const unsigned char* name() const { return name_; }

 private:
  static int ticket_callback(SSL* ssl, unsigned char key_name[16], unsigned char* iv,
                             EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* hmac, int encrypt);
  unsigned char name_[kNameBytes] = {};
  unsigned char aes_[kAesBytes] = {};
  unsigned char hmac_[kHmacBytes] = {};
};

}  // namespace percore::tls
