// Configuration strings shared by the server and client contexts: TLS versions and ALPN lists.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace percore::tls {

// "1.2" -> TLS1_2_VERSION, "1.3" -> TLS1_3_VERSION, "" -> 0 (OpenSSL's default); -1 otherwise.
int parse_tls_version(std::string_view text);

// ALPN protocol names in the wire format (each prefixed with its length). An empty name or one
// longer than 255 bytes is an error naming it.
bool alpn_wire(const std::vector<std::string>& names, std::string* wire, std::string* error);

}  // namespace percore::tls
