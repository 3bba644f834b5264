#include "core/tls/classify.h"

#include <openssl/ssl.h>

namespace percore::tls {
namespace {

Failure from_reason(int reason) {
  switch (reason) {
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return Failure::kPlainHttp;
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
    case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC:
    case SSL_R_DECRYPTION_FAILED:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_LENGTH_MISMATCH:
    case SSL_R_BAD_PACKET_LENGTH:
    case SSL_R_LENGTH_TOO_SHORT:
    case SSL_R_UNEXPECTED_MESSAGE:
    case SSL_R_UNEXPECTED_RECORD:
    case SSL_R_BAD_LENGTH:
    case SSL_R_DATA_LENGTH_TOO_LONG:
    case SSL_R_BAD_PACKET:
    case SSL_R_BAD_RECORD_TYPE:
    case SSL_R_RECORD_TOO_SMALL:
    case SSL_R_TLSV1_ALERT_DECODE_ERROR:
    case SSL_R_SSLV3_ALERT_BAD_RECORD_MAC:
    case SSL_R_TLSV1_ALERT_RECORD_OVERFLOW:
    case SSL_R_SSLV3_ALERT_UNEXPECTED_MESSAGE:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
      return Failure::kBadRecord;
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      return Failure::kPeerClosed;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_KEY_SHARE:
    case SSL_R_NO_CIPHERS_AVAILABLE:
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY:
      return Failure::kNoCommonCipher;
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return Failure::kVerifyFailed;
    case SSL_R_NO_RENEGOTIATION:
    case SSL_R_TLSV1_ALERT_NO_RENEGOTIATION:
      return Failure::kRenegotiation;
    default:
      return Failure::kNone;
  }
}

// When the reason is one OpenSSL uses for many things, the alert it chose says more.
Failure from_alert(int alert) {
  switch (alert) {
    case SSL_AD_DECODE_ERROR:
    case SSL_AD_BAD_RECORD_MAC:
    case SSL_AD_RECORD_OVERFLOW:
    case SSL_AD_UNEXPECTED_MESSAGE:
    case SSL_AD_ILLEGAL_PARAMETER:
    case SSL_AD_DECRYPT_ERROR:
      return Failure::kBadRecord;
    case SSL_AD_HANDSHAKE_FAILURE:
    case SSL_AD_PROTOCOL_VERSION:
    case SSL_AD_INSUFFICIENT_SECURITY:
      return Failure::kNoCommonCipher;
    case SSL_AD_NO_RENEGOTIATION:
      return Failure::kRenegotiation;
    default:
      return Failure::kOther;
  }
}

// An HTTP method starts with an upper-case letter; a TLS record with a content type of 20-24.
bool looks_like_text(int first_byte) {
  return first_byte >= 'A' && first_byte <= 'Z';
}

}  // namespace

Failure classify_failure(int reason, int sent_alert, int first_byte) {
  if (looks_like_text(first_byte)) return Failure::kPlainHttp;
  Failure f = from_reason(reason);
  if (f != Failure::kNone) return f;
  return sent_alert >= 0 ? from_alert(sent_alert) : Failure::kOther;
}

}  // namespace percore::tls
