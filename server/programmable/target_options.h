// What --programmable and its flags set up (parsed in target_flags.cc): the per-request
// defaults and the random faults.
#pragma once

#include "server/programmable/faults.h"
#include "server/programmable/target_spec.h"

namespace percore::server::programmable {

struct TargetOptions {
  bool enabled = false;
  TargetSpec defaults;  // every request starts from these; its query overrides them
  FaultOptions faults;
};

}  // namespace percore::server::programmable
