// Duration parsing for -d, --warmup, --timeout and the latency thresholds of --fail-if.
#include "client/flags/duration.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace percore::client {

bool parse_duration(std::string_view text, int64_t* ns, std::string* error) {
  std::string s(text);
  char* end = nullptr;
  double value = std::strtod(s.c_str(), &end);
  std::string_view unit(end);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1e9;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  }
  if (s.empty() || end == s.c_str() || scale == 0 || !std::isfinite(value) || value < 0 ||
      value * scale > 9e18) {
    *error =
        fmt::format("bad duration '{}': expected a number with us, ms, s or m (e.g. 10s)", text);
    return false;
  }
  *ns = static_cast<int64_t>(std::llround(value * scale));
  return true;
}

std::string format_duration(int64_t ns) {
  if (ns >= 1'000'000'000) return fmt::format("{:g}s", static_cast<double>(ns) / 1e9);
  if (ns >= 1'000'000) return fmt::format("{:g}ms", static_cast<double>(ns) / 1e6);
  return fmt::format("{:g}us", static_cast<double>(ns) / 1e3);
}

}  // namespace percore::client
