#include "server/option_values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace percore::server {

bool parse_whole(std::string_view text, long* out) {
  if (text.empty()) return false;
  long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  *out = v;
  return true;
}

bool parse_decimal(std::string_view text, double* out) {
  std::string copy(text);  // strtod needs a terminated string
  if (copy.empty() || copy.front() == ' ' || copy.front() == '\t') return false;
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

std::string not_a_whole_number(std::string_view label, std::string_view text) {
  return std::string(label) + ": '" + std::string(text) + "' is not a whole number";
}

std::string not_a_number(std::string_view label, std::string_view text) {
  return std::string(label) + ": '" + std::string(text) + "' is not a number";
}

}  // namespace percore::server
