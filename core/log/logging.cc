#include "core/log/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

namespace percore::log {
namespace {

std::string g_path;
std::string g_name;
bool g_debug = false;

}  // namespace

bool init(const std::string& path, bool debug, const std::string& process_name,
          std::string* error) {
  g_path = path;
  g_name = process_name;
  g_debug = debug;
  try {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false);
    auto logger = std::make_shared<spdlog::logger>(process_name, sink);
    logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %P %n %l: %v");
    // Lines from several processes share one file: flush each so they never interleave mid-line.
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  } catch (const spdlog::spdlog_ex& e) {
    *error = std::string("cannot open log file '") + path + "': " + e.what();
    return false;
  }
  return true;
}

void reopen() {
  std::string error;
  if (!init(g_path, g_debug, g_name, &error)) spdlog::error("log reopen failed: {}", error);
}

}  // namespace percore::log
