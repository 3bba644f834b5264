#include "client/udp_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "client/flags_udp.h"
#include "client/udp_fail_if.h"
#include "client/udp_run.h"

namespace percore::client {

int udp_command(int argc, const char* const* argv, const std::atomic<bool>* stop) {
  UdpOptions options;
  std::string message;
  switch (parse_udp_flags(argc, argv, &options, &message)) {
    case ParseStatus::kHelp:
      fmt::print("{}\n", message);
      return 0;
    case ParseStatus::kError:
      fmt::print(stderr, "client: {}\n", message);
      return 2;
    case ParseStatus::kOk:
      break;
  }
  // The engine logs its one-time findings (UDP offloads) at info; the client's stdout is its
  // report, so only warnings may reach the console.
  spdlog::set_level(spdlog::level::warn);
  UdpResult result;
  if (!run_udp(options, stop, &result, &message)) {
    fmt::print(stderr, "client: {}\n", message);
    return 1;
  }
  for (const std::string& w : result.warnings) fmt::print(stderr, "client: WARNING: {}\n", w);
  fmt::print("{}", render_udp_text(result));
  std::fflush(stdout);
  if (!options.json_path.empty()) {
    std::string json = render_udp_json(result);
    if (options.json_path == "-") {
      fmt::print("{}", json);
    } else {
      std::ofstream out(options.json_path);
      out << json;
      if (!out) {
        fmt::print(stderr, "client: cannot write --json {}\n", options.json_path);
        return 1;
      }
    }
  }
  std::vector<std::string> crossed = crossed_udp_thresholds(result, options.fail_if);
  for (const std::string& c : crossed) fmt::print(stderr, "client: {}\n", c);
  return crossed.empty() ? 0 : 3;
}

}  // namespace percore::client
