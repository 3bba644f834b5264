// Command-line side of the programmable target: --programmable, the per-request defaults
// (--status, --delay, --chunked, --chunk, --headers) and the random faults (--fail-rate,
// --reset-rate, --delay-dist). Kept apart from server/options.cc, which only calls in here.
#pragma once

#include <cxxopts.hpp>
#include <string>

#include "server/programmable/faults.h"
#include "server/programmable/target_spec.h"

namespace percore::server::programmable {

struct TargetOptions {
  bool enabled = false;
  TargetSpec defaults;  // every request starts from these; its query overrides them
  FaultOptions faults;
};

void add_target_options(cxxopts::Options& spec);
// False with a one-line *message for a bad value, or a target flag without --programmable.
bool fill_target_options(const cxxopts::ParseResult& r, TargetOptions* out, std::string* message);

}  // namespace percore::server::programmable
