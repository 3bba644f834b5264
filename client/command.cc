#include "client/command.h"

#include <cstdio>
#include <fstream>

namespace percore::client {

int parse_outcome(ParseStatus status, const std::string& message) {
  switch (status) {
    case ParseStatus::kHelp:
      fmt::print("{}\n", message);
      return kExitOk;
    case ParseStatus::kError:
      fmt::print(stderr, "client: {}\n", message);
      return kExitUsage;
    case ParseStatus::kOk:
      break;
  }
  return -1;
}

bool write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    fmt::print("{}", text);
    std::fflush(stdout);
    return true;
  }
  std::ofstream out(path);
  out << text;
  if (!out) {
    fmt::print(stderr, "client: cannot write --json {}\n", path);
    return false;
  }
  return true;
}

int report(const std::vector<std::string>& warnings, const std::string& text,
           const std::string& json_path, const std::string& json,
           const std::vector<std::string>& crossed) {
  for (const std::string& w : warnings) fmt::print(stderr, "client: WARNING: {}\n", w);
  fmt::print("{}", text);
  std::fflush(stdout);
  if (!json_path.empty() && !write_output(json_path, json)) return kExitFailed;
  for (const std::string& c : crossed) fmt::print(stderr, "client: {}\n", c);
  return crossed.empty() ? kExitOk : kExitCrossed;
}

}  // namespace percore::client
