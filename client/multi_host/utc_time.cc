#include <charconv>
#include <chrono>

#include "client/multi_host/utc_time.h"

namespace percore::client {
namespace {

int digits_at(std::string_view text, size_t at, size_t count) {
  int out = 0;
  std::from_chars(text.data() + at, text.data() + at + count, out);
  return out;
}

}  // namespace

bool utc_seconds_from_iso(std::string_view text, int64_t* unix_seconds) {
  // YYYY-MM-DDTHH:MM:SS, every field its exact width, as strptime's %Y-%m-%dT%H:%M:%S reads it.
  static constexpr char kShape[] = "dddd-dd-ddTdd:dd:dd";
  if (text.size() != 19) return false;
  for (size_t k = 0; k < 19; ++k) {
    bool digit = text[k] >= '0' && text[k] <= '9';
    if (kShape[k] == 'd' ? !digit : text[k] != kShape[k]) return false;
  }
  int year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
  int hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2);
  int second = digits_at(text, 17, 2);
  using namespace std::chrono;
  year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                      std::chrono::day{static_cast<unsigned>(day)}};
  // strptime accepts a leap second (60); so does this.
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return false;
  int64_t days = sys_days(date).time_since_epoch().count();
  *unix_seconds = ((days * 24 + hour) * 60 + minute) * 60 + second;
  return true;
}

}  // namespace percore::client
