#include "server/preload_launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstring>

#include "core/proc/kernel.h"

namespace percore::server {
namespace {

constexpr const char* kUsage =
    "usage: server preload [--steer hash|cpu] [--log FILE] [--tune] -- COMMAND [ARGS...]\n"
    "  Runs COMMAND with libpercore_preload.so: each forked worker of an allow-listed server\n"
    "  (nginx, lighttpd, openresty, tengine; PERCORE_ALLOW=a,b overrides) gets its own\n"
    "  SO_REUSEPORT listener. PERCORE=off disables it.\n"
    "  --steer cpu  pin worker k to the k-th CPU of the inherited mask and steer its listener\n"
    "               there with SO_INCOMING_CPU (kernel >= 6.1); default hash\n"
    "  --log FILE   the library's log (default ./percore-preload.log; never stderr)\n"
    "  --tune       set net.ipv4.tcp_migrate_req=1 (this network namespace; needs root)\n";

std::string library_path() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return "libpercore_preload.so";
  exe[n] = '\0';
  std::string dir(exe);
  dir.resize(dir.rfind('/') + 1);
  return dir + "libpercore_preload.so";
}

bool set_migrate_req() {
  int fd = open("/proc/sys/net/ipv4/tcp_migrate_req", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, "1", 1) == 1;
  close(fd);
  return ok;
}

}  // namespace

LaunchParse parse_preload_args(const std::vector<std::string>& args, PreloadLaunch* out,
                               std::string* message) {
  size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      *message = kUsage;
      return LaunchParse::kHelp;
    }
    if (a == "--tune") {
      out->tune = true;
    } else if ((a == "--steer" || a == "--log") && i + 1 < args.size()) {
      (a == "--steer" ? out->steer : out->log_file) = args[++i];
    } else {
      *message = "preload: unexpected argument '" + a + "'";
      return LaunchParse::kUsageError;
    }
  }
  if (out->steer != "hash" && out->steer != "cpu") {
    *message = "preload: --steer must be hash or cpu (got '" + out->steer + "')";
    return LaunchParse::kUsageError;
  }
  if (out->log_file.empty()) {
    *message = "preload: --log needs a file name";
    return LaunchParse::kUsageError;
  }
  if (i + 1 >= args.size()) {
    *message = "preload: no command given after --";
    return LaunchParse::kUsageError;
  }
  out->command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
  return LaunchParse::kRun;
}

std::vector<std::string> preload_kernel_report(const PreloadLaunch& launch) {
  std::vector<std::string> lines;
  int migrate = proc::tcp_migrate_req();
  if (migrate < 0) {
    lines.push_back(
        "net.ipv4.tcp_migrate_req is missing (kernel < 5.14): connections queued on a worker's "
        "listener are reset when that worker exits");
  } else if (migrate == 0) {
    lines.push_back(
        "net.ipv4.tcp_migrate_req=0: connections queued on a worker's listener are reset when "
        "that worker exits; use --tune or sysctl -w net.ipv4.tcp_migrate_req=1");
  }
  if (launch.steer == "cpu" && !proc::kernel_at_least(6, 1)) {
    lines.push_back(
        "--steer cpu: kernels before 6.1 ignore SO_INCOMING_CPU in SO_REUSEPORT groups; "
        "connections are hashed");
  }
  return lines;
}

int run_preload_launcher(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  PreloadLaunch launch;
  std::string message;
  switch (parse_preload_args(args, &launch, &message)) {
    case LaunchParse::kHelp:
      fmt::print("{}", message);
      return 0;
    case LaunchParse::kUsageError:
      fmt::print(stderr, "server: {} (see server preload --help)\n", message);
      return 2;
    case LaunchParse::kRun:
      break;
  }
  std::string lib = library_path();
  if (access(lib.c_str(), R_OK) != 0) {
    fmt::print(stderr, "server: preload: cannot read {}: {}\n", lib, strerror(errno));
    return 1;
  }
  if (launch.tune && proc::tcp_migrate_req() != 1 && !set_migrate_req()) {
    fmt::print(stderr, "server: preload: cannot set net.ipv4.tcp_migrate_req=1: {}\n",
               strerror(errno));
  }
  for (const std::string& line : preload_kernel_report(launch)) {
    fmt::print(stderr, "server: preload: note: {}\n", line);
  }
  std::string preload = lib;
  if (const char* existing = getenv("LD_PRELOAD"); existing != nullptr && *existing != '\0') {
    preload += std::string(":") + existing;
  }
  setenv("LD_PRELOAD", preload.c_str(), 1);
  setenv("PERCORE_STEER", launch.steer.c_str(), 1);
  setenv("PERCORE_LOG", launch.log_file.c_str(), 1);
  std::vector<char*> exec_argv;
  for (std::string& a : launch.command) exec_argv.push_back(a.data());
  exec_argv.push_back(nullptr);
  execvp(exec_argv[0], exec_argv.data());
  fmt::print(stderr, "server: preload: cannot run {}: {}\n", launch.command[0], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}

}  // namespace percore::server
