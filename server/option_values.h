// Reading numeric flag values. cxxopts' own conversion fails with "Argument 'abc' failed to
// parse", which does not say which flag was wrong, so the server's numeric flags are declared as
// strings and converted here, where the error can name the flag.
#pragma once

#include <string>
#include <string_view>

namespace percore::server {

// A whole number: optional '-', then decimal digits only, fitting a long.
bool parse_whole(std::string_view text, long* out);
// A decimal number as strtod reads it, with nothing after it; no inf or nan.
bool parse_decimal(std::string_view text, double* out);

// "-w/--workers: 'abc' is not a whole number" and the like.
std::string not_a_whole_number(std::string_view label, std::string_view text);
std::string not_a_number(std::string_view label, std::string_view text);

}  // namespace percore::server
