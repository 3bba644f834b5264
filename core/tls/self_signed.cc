#include "core/tls/self_signed.h"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "core/tls/openssl_error.h"

namespace percore::tls {
namespace {

constexpr long kValidSeconds = 30L * 24 * 3600;
constexpr long kSkewSeconds = 3600;

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool fill_certificate(X509* cert, EVP_PKEY* key) {
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return false;
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  if (bn == nullptr) return false;
  bool serial_ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  if (!serial_ok || X509_set_version(cert, 2) != 1) return false;
  if (X509_gmtime_adj(X509_getm_notBefore(cert), -kSkewSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert), kValidSeconds) == nullptr) {
    return false;
  }
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("percore"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert, name) != 1 || X509_set_pubkey(cert, key) != 1) {
    return false;
  }
  if (!add_extension(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
      !add_extension(cert, NID_basic_constraints, "critical,CA:FALSE")) {
    return false;
  }
  return X509_sign(cert, key, EVP_sha256()) > 0;
}

}  // namespace

SelfSigned make_self_signed(std::string* error) {
  SelfSigned out;
  PkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  if (key == nullptr || cert == nullptr || !fill_certificate(cert.get(), key.get())) {
    *error = "self-signed certificate: " + drain_openssl_errors();
    return out;
  }
  out.key = std::move(key);
  out.cert = std::move(cert);
  return out;
}

std::string sha256_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return "";
  std::string out;
  out.reserve(len * 3);
  for (unsigned int i = 0; i < len; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof(hex), i + 1 < len ? "%02X:" : "%02X", md[i]);
    out += hex;
  }
  return out;
}

}  // namespace percore::tls
