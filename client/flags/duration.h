// Parses the human durations the flags take ("10s", "500ms", "250us", "2m", "1.5s"; a plain number
// means seconds) into nanoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace percore::client {

// Returns false and a one-line reason for an empty, negative or unit-less garbage value.
bool parse_duration(std::string_view text, int64_t* ns, std::string* error);

// "1.5s", "200ms", "750us" for printing durations back.
std::string format_duration(int64_t ns);

}  // namespace percore::client
