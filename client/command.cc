#include "client/command.h"

#include <cstdio>
#include <filesystem>
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

bool check_output_path(const char* flag, const std::string& path, std::string* message) {
  if (path.empty() || path == "-") return true;
  std::error_code ec;
  bool existed = std::filesystem::exists(path, ec);
  if (existed && std::filesystem::is_directory(path, ec)) {
    *message = fmt::format("{} {}: is a directory", flag, path);
    return false;
  }
  // Append mode opens without truncating a file that is there; one that was not is removed again.
  bool ok = static_cast<bool>(std::ofstream(path, std::ios::app));
  if (ok && !existed) std::filesystem::remove(path, ec);
  if (!ok) {
    *message = fmt::format("{} {}: cannot write there", flag, path);
    return false;
  }
  return true;
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
  // --json -: stdout carries only the JSON, so that it can be piped into a JSON reader.
  std::FILE* text_out = json_path == "-" ? stderr : stdout;
  fmt::print(text_out, "{}", text);
  std::fflush(text_out);
  if (!json_path.empty() && !write_output(json_path, json)) return kExitFailed;
  for (const std::string& c : crossed) fmt::print(stderr, "client: {}\n", c);
  return crossed.empty() ? kExitOk : kExitCrossed;
}

}  // namespace percore::client
