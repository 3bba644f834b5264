#include "core/tls/openssl_error.h"

#include <openssl/err.h>

namespace percore::tls {

std::string drain_openssl_errors() {
  std::string out;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

}  // namespace percore::tls
