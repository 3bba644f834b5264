// OpenSSL reports errors on a per-thread queue; the engine turns them into return values.
#pragma once

#include <string>

namespace percore::tls {

// Empties the thread's OpenSSL error queue and returns its entries as one line ("" when empty),
// so that an old error never gets blamed on a later call.
std::string drain_openssl_errors();

}  // namespace percore::tls
