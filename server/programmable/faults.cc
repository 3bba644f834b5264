#include "server/programmable/faults.h"

#include <charconv>
#include <cmath>

#include "server/programmable/target_spec.h"

namespace percore::server::programmable {
namespace {

bool parse_share(std::string_view text, double* out) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !(v >= 0 && v <= 1)) return false;
  *out = v;
  return true;
}

}  // namespace

bool parse_rate(std::string_view text, double* rate, std::string* error) {
  if (parse_share(text, rate)) return true;
  *error = "want a share between 0 and 1, e.g. 0.001 (got '" + std::string(text) + "')";
  return false;
}

bool parse_fail_rate(std::string_view text, double* rate, int* status, std::string* error) {
  size_t colon = text.find(':');
  if (!parse_share(text.substr(0, colon), rate)) {
    *error = "want SHARE[:STATUS], e.g. 0.01:503 (got '" + std::string(text) + "')";
    return false;
  }
  *status = 503;
  if (colon == std::string_view::npos) return true;
  std::string_view s = text.substr(colon + 1);
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 200 || v > 599) {
    *error = "status after ':' must be 200..599 (got '" + std::string(s) + "')";
    return false;
  }
  *status = v;
  return true;
}

bool parse_delay_dist(std::string_view text, DelayDist* dist, std::string* error) {
  size_t sep = text.find_first_of(": ");
  std::string_view kind = text.substr(0, sep);
  std::string_view arg = sep == std::string_view::npos ? std::string_view() : text.substr(sep + 1);
  const char* usage = "want fixed, uniform:LOW..HIGH or exp:MEAN with units, e.g. uniform:1ms..5ms";
  if (kind == "fixed" && arg.empty()) {
    *dist = DelayDist{};
    return true;
  }
  if (kind == "uniform") {
    size_t dots = arg.find("..");
    int64_t low = 0, high = 0;
    if (dots != std::string_view::npos && parse_delay(arg.substr(0, dots), &low) &&
        parse_delay(arg.substr(dots + 2), &high) && low <= high) {
      *dist = DelayDist{DelayDist::Kind::kUniform, low, high, 0};
      return true;
    }
  } else if (kind == "exp") {
    int64_t mean = 0;
    if (parse_delay(arg, &mean) && mean > 0) {
      *dist = DelayDist{DelayDist::Kind::kExponential, 0, 0, mean};
      return true;
    }
  }
  *error = std::string(usage) + " (got '" + std::string(text) + "')";
  return false;
}

int64_t FaultDice::delay(const DelayDist& d, int64_t fixed_ns) {
  switch (d.kind) {
    case DelayDist::Kind::kFixed:
      return fixed_ns;
    case DelayDist::Kind::kUniform:
      return d.low_ns +
             static_cast<int64_t>(unit_(rng_) * static_cast<double>(d.high_ns - d.low_ns));
    case DelayDist::Kind::kExponential: {
      // Inverse transform; 1 - u is in (0, 1], so the log is finite.
      double v = -std::log(1.0 - unit_(rng_)) * static_cast<double>(d.mean_ns);
      return v > static_cast<double>(kMaxDelayNs) ? kMaxDelayNs : static_cast<int64_t>(v);
    }
  }
  return fixed_ns;
}

}  // namespace percore::server::programmable
