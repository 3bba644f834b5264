// Entry point of server.exe: parse flags, then run the worker threads (server/master_win.cc).
// `server preload` and `server doctor` are Linux tools and not built here.
#include <fmt/format.h>

#include "server/master.h"
#include "server/options.h"

int main(int argc, char** argv) {
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
