// Turns gathered facts into doctor lines: a verdict and a concrete next step for each.
#pragma once

#include <vector>

#include "server/doctor/check.h"
#include "server/doctor/facts.h"

namespace percore::server::doctor {

// One check per fact, always in the same order and with the same names (scripts rely on them;
// tests/support/doctor_check_names.h lists them).
std::vector<Check> assess(const Facts& facts);

}  // namespace percore::server::doctor
