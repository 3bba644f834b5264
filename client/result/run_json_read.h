// Reads back what render_json() wrote: one host's result, with its full histograms, as the
// input of `client merge`.
#pragma once

#include <string>

#include "client/result/run_result.h"

namespace percore::client {

// False with a one-line reason when `text` is not a percore client result (or one written
// before results carried their histograms).
bool read_run_json(const std::string& text, RunResult* out, std::string* error);

}  // namespace percore::client
