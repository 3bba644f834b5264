// One line of `server doctor`: what was looked at, what was found, and what to do about it.
#pragma once

#include <string>
#include <vector>

namespace percore::server::doctor {

enum class Verdict {
  kOk,       // fine for percore as it is
  kTune,     // works, but a setting would serve load testing better
  kMissing,  // the feature is absent here; percore falls back or cannot use it
  kUnknown,  // could not be read here (not exposed, no permission)
};

struct Check {
  std::string name;
  Verdict verdict = Verdict::kUnknown;
  std::string value;
  std::string advice;
};

const char* verdict_name(Verdict v);

// One aligned line per check, for people.
std::string format_text(const std::vector<Check>& checks);
// {"checks":[{"name":..,"status":..,"value":..,"advice":..},...]}, for scripts.
std::string format_json(const std::vector<Check>& checks);

}  // namespace percore::server::doctor
