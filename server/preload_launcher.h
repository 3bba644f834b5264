// `server preload [options] -- COMMAND ...`: checks what the kernel offers for per-worker
// listeners, sets LD_PRELOAD to libpercore_preload.so (found beside the server binary) and the
// PERCORE_* variables, and executes COMMAND in place, so its exit code is the command's own.
#pragma once

#include <string>
#include <vector>

namespace percore::server {

struct PreloadLaunch {
  std::string steer = "hash";
  std::string log_file = "./percore-preload.log";
  bool tune = false;  // set net.ipv4.tcp_migrate_req=1 in this network namespace
  std::vector<std::string> command;
};

enum class LaunchParse { kRun, kHelp, kUsageError };

// argv without the leading "server preload".
LaunchParse parse_preload_args(const std::vector<std::string>& args, PreloadLaunch* out,
                               std::string* message);

// One line per finding about tcp_migrate_req and SO_INCOMING_CPU steering.
std::vector<std::string> preload_kernel_report(const PreloadLaunch& launch);

// Runs the whole sub-command; returns an exit code only when it could not exec the command.
int run_preload_launcher(int argc, char** argv);

}  // namespace percore::server
