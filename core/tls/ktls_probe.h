// Whether the kernel can take over TLS record encryption (kTLS, CONFIG_TLS). percore has no
// kTLS data path; `server doctor` reports the probe so that a run on a kernel with it knows
// what docs/tls.md says could change.
#pragma once

#include <string>

namespace percore::tls {

// "" when TCP_ULP "tls" can be set on a connected loopback TCP socket, else why not.
std::string ktls_unavailable_reason();

}  // namespace percore::tls
