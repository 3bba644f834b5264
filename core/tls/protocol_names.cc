#include "core/tls/protocol_names.h"

#include <openssl/ssl.h>

namespace percore::tls {

int parse_tls_version(std::string_view text) {
  if (text.empty()) return 0;
  if (text == "1.2") return TLS1_2_VERSION;
  if (text == "1.3") return TLS1_3_VERSION;
  return -1;
}

bool alpn_wire(const std::vector<std::string>& names, std::string* wire, std::string* error) {
  wire->clear();
  for (const std::string& name : names) {
    if (name.empty() || name.size() > 255) {
      *error = "bad ALPN protocol name '" + name + "'";
      return false;
    }
    wire->push_back(static_cast<char>(name.size()));
    wire->append(name);
  }
  return true;
}

}  // namespace percore::tls
