#include "client/sweep/sweep_command.h"

#include <string>

#include <fmt/format.h>

#include "client/command.h"
#include "client/run/preflight.h"
#include "client/sweep/sweep.h"

namespace percore::client {

// A sweep is many runs with one CSV/PNG/JSON of its own, so it has its own report.
int sweep_main(int argc, const char* const* argv) {
  Options options;
  std::string message;
  ParseStatus parsed = parse_flags(argc, argv, &options, &message);
  if (int rc = parse_outcome(parsed, message); rc >= 0) return rc;
  if (!check_output_path("--json", options.json_path, &message) ||
      !check_output_path("--csv", options.sweep.csv_path, &message) ||
      !check_output_path("--png", options.sweep.png_path, &message) ||
      !connection_preflight(&options, &message)) {
    fmt::print(stderr, "client: {}\n", message);
    return kExitUsage;
  }
  return run_sweep(options, arm_stop_signals());
}

}  // namespace percore::client
