// The --start-at wall-clock time "YYYY-MM-DDTHH:MM:SS" as Unix seconds, read as UTC. Parsed by
// hand with <chrono>'s calendar on every platform (MinGW has neither strptime nor timegm), so
// every host of a run reads the same text the same way.
#pragma once

#include <cstdint>
#include <string_view>

namespace percore::client {

// `text` is the 19 characters before the fraction and the Z; false when they are not a time.
bool utc_seconds_from_iso(std::string_view text, int64_t* unix_seconds);

}  // namespace percore::client
