// Standard base64 (RFC 4648, '+' '/' and '=' padding), the alphabet HdrHistogram logs use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace percore::util {

std::string base64_encode(const std::vector<uint8_t>& bytes);
// Nothing when the text is not padded base64 (whitespace is not skipped).
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace percore::util
