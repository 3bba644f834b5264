#include "client/os/utc_time.h"

#include <time.h>

#include <string>

namespace percore::client {

bool utc_seconds_from_iso(std::string_view text, int64_t* unix_seconds) {
  struct tm t {};
  std::string head(text);
  const char* rest = strptime(head.c_str(), "%Y-%m-%dT%H:%M:%S", &t);
  if (rest == nullptr || *rest != '\0') return false;
  *unix_seconds = int64_t{timegm(&t)};
  return true;
}

}  // namespace percore::client
