#include "core/tls/failure.h"

namespace percore::tls {

const char* failure_name(Failure f) {
  switch (f) {
    case Failure::kNone:
      return "none";
    case Failure::kPlainHttp:
      return "plain_http";
    case Failure::kBadRecord:
      return "bad_record";
    case Failure::kPeerClosed:
      return "peer_closed";
    case Failure::kNoCommonCipher:
      return "no_common_cipher";
    case Failure::kRenegotiation:
      return "renegotiation";
    case Failure::kHandshakeTimeout:
      return "handshake_timeout";
    case Failure::kVerifyFailed:
      return "verify_failed";
    case Failure::kOther:
      return "other";
  }
  return "other";
}

}  // namespace percore::tls
