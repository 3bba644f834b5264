// Windows: client/segment.cc with the --start-at time parsed by hand (MinGW has neither
// strptime nor timegm); the UTC instant is computed with <chrono>'s calendar.
#include "client/segment.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "client/duration.h"

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
  // YYYY-MM-DDTHH:MM:SS, every field its exact width, as strptime's %Y-%m-%dT%H:%M:%S reads it.
  static constexpr char kShape[] = "dddd-dd-ddTdd:dd:dd";
  for (size_t k = 0; k < 19; ++k) {
    bool digit = text[k] >= '0' && text[k] <= '9';
    if (kShape[k] == 'd' ? !digit : text[k] != kShape[k]) return false;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  parse_int(text.substr(0, 4), &year);
  parse_int(text.substr(5, 2), &month);
  parse_int(text.substr(8, 2), &day);
  parse_int(text.substr(11, 2), &hour);
  parse_int(text.substr(14, 2), &minute);
  parse_int(text.substr(17, 2), &second);
  using namespace std::chrono;
  year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                      std::chrono::day{static_cast<unsigned>(day)}};
  // strptime accepts a leap second (60); so does this.
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return false;
  std::string_view frac = text.substr(19, text.size() - 20);
  int ms = 0;
  if (!frac.empty()) {
    if (frac[0] != '.' || frac.size() < 2 || frac.size() > 4) return false;
    std::string digits(frac.substr(1));
    digits.resize(3, '0');
    if (!parse_int(digits, &ms)) return false;
  }
  int64_t days = sys_days(date).time_since_epoch().count();
  *out_ms = ((days * 24 + hour) * 60 + minute) * 60'000 + int64_t{second} * 1000 + ms;
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
