// The server's certificate when none is given: an ephemeral self-signed ECDSA P-256 key and
// certificate made at start-up, so that a quick test needs no files. Clients of a load test
// run with verification off; the SHA-256 fingerprint is logged for those that pin it.
#pragma once

#include <string>

#include "core/tls/handles.h"

namespace percore::tls {

struct SelfSigned {
  PkeyPtr key;
  X509Ptr cert;
};

// Valid from an hour ago (clock skew) for 30 days, CN=percore, SAN localhost/127.0.0.1/::1.
// On failure returns empty handles and sets *error.
SelfSigned make_self_signed(std::string* error);

// "AB:CD:..." as `openssl x509 -fingerprint -sha256` prints it.
std::string sha256_fingerprint(X509* cert);

}  // namespace percore::tls
