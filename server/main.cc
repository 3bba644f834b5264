// Entry point of `server` (server.exe too): parse flags, then hand over to the master process;
// or run a subcommand such as `server preload -- COMMAND` (subcommand.h).
#include <fmt/format.h>

#include "server/master.h"
#include "server/options.h"
#include "server/subcommand.h"

int main(int argc, char** argv) {
  int rc = 0;
  if (percore::server::run_subcommand(argc, argv, &rc)) return rc;
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
