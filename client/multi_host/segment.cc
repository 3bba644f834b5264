#include "client/multi_host/segment.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "client/flags/duration.h"
#include "client/multi_host/utc_time.h"

namespace percore::client {
namespace {

bool fail(std::string* error, std::string text) {
  *error = std::move(text);
  return false;
}

bool parse_int(std::string_view text, int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "2026-11-22T03:30:00Z" or with ".250" before the Z; UTC only, so that every host reads the
// same instant whatever its time zone.
bool parse_iso_utc(std::string_view text, int64_t* out_ms) {
  if (text.size() < 20 || text.back() != 'Z') return false;
  int64_t seconds = 0;
  if (!utc_seconds_from_iso(text.substr(0, 19), &seconds)) return false;
  std::string_view frac = text.substr(19, text.size() - 20);
  int ms = 0;
  if (!frac.empty()) {
    if (frac[0] != '.' || frac.size() < 2 || frac.size() > 4) return false;
    std::string digits(frac.substr(1));
    digits.resize(3, '0');
    if (!parse_int(digits, &ms)) return false;
  }
  *out_ms = seconds * 1000 + ms;
  return true;
}

}  // namespace

bool parse_segment(std::string_view text, Segment* out, std::string* error) {
  size_t slash = text.find('/');
  int i = 0, n = 0;
  if (slash == std::string_view::npos || !parse_int(text.substr(0, slash), &i) ||
      !parse_int(text.substr(slash + 1), &n)) {
    return fail(error, fmt::format("--segment '{}': expected I/N, e.g. 2/3", text));
  }
  if (n < 1 || n > 100'000 || i < 1 || i > n) {
    return fail(error, fmt::format("--segment '{}': needs 1 <= I <= N <= 100000", text));
  }
  *out = Segment{i - 1, n};
  return true;
}

uint64_t segment_share(uint64_t total, Segment s) {
  auto n = static_cast<uint64_t>(s.count);
  auto i = static_cast<uint64_t>(s.index);
  return total / n + (i < total % n ? 1 : 0);
}

uint64_t segment_offset(uint64_t total, Segment s) {
  auto n = static_cast<uint64_t>(s.count);
  auto i = static_cast<uint64_t>(s.index);
  return i * (total / n) + std::min(i, total % n);
}

double segment_rate(double rate, Segment s) {
  if (rate == std::floor(rate) && rate < 1e15) {
    return static_cast<double>(segment_share(static_cast<uint64_t>(rate), s));
  }
  return rate / s.count;
}

bool parse_start_at(std::string_view text, int64_t now_ms, int64_t* out_ms, std::string* error) {
  if (!text.empty() && text[0] == '+') {
    int64_t ns = 0;
    std::string why;
    if (!parse_duration(text.substr(1), &ns, &why)) {
      return fail(error, fmt::format("--start-at '{}': {}", text, why));
    }
    *out_ms = now_ms + ns / 1'000'000;
    return true;
  }
  if (parse_iso_utc(text, out_ms)) return true;
  double secs = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
  if (ec == std::errc() && end == text.data() + text.size() && secs > 0 && secs < 1e11) {
    *out_ms = std::llround(secs * 1000);
    return true;
  }
  return fail(error, fmt::format("--start-at '{}': expected epoch seconds (1763782200.5), "
                                 "UTC time (2026-11-22T03:30:00Z) or +DURATION (+5s)",
                                 text));
}

}  // namespace percore::client
