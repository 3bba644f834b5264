// The --json results: the same figures as the text report, machine-readable.
#pragma once

#include <string>

#include "client/result/run_result.h"

namespace percore::client {

std::string render_json(const RunResult& result);

}  // namespace percore::client
