// The --start-at wall-clock time "YYYY-MM-DDTHH:MM:SS" as Unix seconds, read as UTC. utc_time.cc
// is Linux (strptime, timegm), utc_time_win.cc Windows (MinGW has neither: parsed by hand, the
// day counted with <chrono>'s calendar).
#pragma once

#include <cstdint>
#include <string_view>

namespace percore::client {

// `text` is the 19 characters before the fraction and the Z; false when they are not a time.
bool utc_seconds_from_iso(std::string_view text, int64_t* unix_seconds);

}  // namespace percore::client
