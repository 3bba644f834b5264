// Entry point of `server`: parse flags, then hand over to the master process; or, as
// `server preload -- COMMAND`, run another server under libpercore_preload.so.
#include <fmt/format.h>

#include <cstring>

#include "server/doctor/doctor_main.h"
#include "server/master.h"
#include "server/options.h"
#include "server/preload_launcher.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "preload") == 0) {
    return percore::server::run_preload_launcher(argc - 2, argv + 2);
  }
  if (percore::server::doctor::wants_doctor(argc, argv)) {
    return percore::server::doctor::run_doctor(argc, argv);
  }
  percore::server::ServerOptions options;
  std::string message;
  switch (percore::server::parse_server_options(argc, argv, &options, &message)) {
    case percore::server::ParseOutcome::kHelp:
      fmt::print("{}", message);
      return 0;
    case percore::server::ParseOutcome::kUsageError:
      fmt::print(stderr, "server: {} (see --help)\n", message);
      return 2;
    case percore::server::ParseOutcome::kRun:
      break;
  }
  return percore::server::run_master(std::move(options));
}
