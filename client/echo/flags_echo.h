// The flags of `client echo` and `client sweep` (pattern, payload, window, sweep outputs) and
// their validation; flags.cc adds them to the shared ones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <cxxopts.hpp>

#include "client/options.h"

namespace percore::client {

void add_echo_options(cxxopts::Options& spec, bool sweep);

// Fills out->echo (and out->sweep for `client sweep`) and the target address from the parsed
// values; false with a one-line *message on a bad value.
bool fill_echo(const cxxopts::ParseResult& r, Options* out, std::string* message);

// "64", "1k", "16KiB", "1m", "1MiB" (k and m are 1024-based, as buffer sizes are).
bool parse_byte_size(std::string_view text, uint64_t* bytes);

}  // namespace percore::client
