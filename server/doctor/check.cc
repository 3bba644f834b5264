#include "server/doctor/check.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace percore::server::doctor {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kTune:
      return "tune";
    case Verdict::kMissing:
      return "missing";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "?";
}

std::string format_text(const std::vector<Check>& checks) {
  size_t name_width = 0, value_width = 0;
  for (const Check& c : checks) {
    name_width = std::max(name_width, c.name.size());
    value_width = std::max(value_width, std::min<size_t>(c.value.size(), 36));
  }
  std::string out;
  for (const Check& c : checks) {
    out += fmt::format("{:<8} {:<{}}  {:<{}}  {}\n", verdict_name(c.verdict), c.name, name_width,
                       c.value, value_width, c.advice);
  }
  return out;
}

std::string format_json(const std::vector<Check>& checks) {
  nlohmann::json list = nlohmann::json::array();
  for (const Check& c : checks) {
    list.push_back({{"name", c.name},
                    {"status", verdict_name(c.verdict)},
                    {"value", c.value},
                    {"advice", c.advice}});
  }
  nlohmann::json doc = {{"checks", list}};
  return doc.dump(2) + "\n";
}

}  // namespace percore::server::doctor
