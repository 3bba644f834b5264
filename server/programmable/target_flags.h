// The programmable target's flags: --programmable, the per-request defaults (--status, --delay,
// --chunked, --chunk, --headers) and the random faults (--fail-rate, --reset-rate,
// --delay-dist). Kept apart from server/options.cc, which only calls in here.
#pragma once

#include <cxxopts.hpp>
#include <string>

#include "server/programmable/target_options.h"

namespace percore::server::programmable {

void add_target_options(cxxopts::Options& spec);
// False with a one-line *message for a bad value, or a target flag without --programmable.
bool fill_target_options(const cxxopts::ParseResult& r, TargetOptions* out, std::string* message);

}  // namespace percore::server::programmable
