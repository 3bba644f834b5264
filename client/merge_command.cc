#include "client/merge_command.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <cxxopts.hpp>

#include "client/fail_if.h"
#include "client/merge.h"
#include "client/report_json.h"
#include "client/report_text.h"
#include "client/run_json_read.h"

namespace percore::client {
namespace {

constexpr const char* kUsage = "client merge [--json FILE] [--fail-if T] RESULT.json...";

int usage_error(const std::string& message) {
  fmt::print(stderr, "client: {}\n", message);
  return 2;
}

bool read_result(const std::string& path, RunResult* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("{}: cannot open it", path);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string why;
  if (!read_run_json(text.str(), out, &why)) {
    *error = fmt::format("{}: {}", path, why);
    return false;
  }
  return true;
}

}  // namespace

int merge_main(int argc, const char* const* argv) {
  cxxopts::Options spec("client merge",
                        "One report from the --json results of several hosts or segments: "
                        "counts summed, histograms merged, each host judged");
  spec.custom_help("[options]");
  spec.positional_help("RESULT.json...");
  // clang-format off
  spec.add_options()
    ("json", "Also write the merged result as JSON to FILE ('-': stdout)", cxxopts::value<std::string>())
    ("fail-if", "Exit 3 when crossed, as for a run (repeatable)", cxxopts::value<std::vector<std::string>>())
    ("h,help", "This help")
    ("results", "Result files", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  spec.parse_positional({"results"});
  std::vector<std::string> paths;
  std::vector<Threshold> thresholds;
  std::string json_path;
  try {
    auto r = spec.parse(argc - 1, argv + 1);
    if (r.count("help") > 0) {
      fmt::print("{}\n", spec.help());
      return 0;
    }
    if (!r.unmatched().empty()) {
      return usage_error(fmt::format("unexpected argument '{}'", r.unmatched().front()));
    }
    if (r.count("results") == 0) {
      return usage_error(fmt::format("no result files (usage: {})", kUsage));
    }
    paths = r["results"].as<std::vector<std::string>>();
    if (r.count("json") > 0) json_path = r["json"].as<std::string>();
    if (r.count("fail-if") > 0) {
      for (const std::string& text : r["fail-if"].as<std::vector<std::string>>()) {
        Threshold t;
        std::string error;
        if (!parse_threshold(text, &t, &error)) return usage_error("--fail-if: " + error);
        thresholds.push_back(t);
      }
    }
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }

  std::vector<RunResult> hosts(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    std::string error;
    if (!read_result(paths[i], &hosts[i], &error)) {
      fmt::print(stderr, "client: {}\n", error);
      return 1;
    }
  }
  for (size_t i = 1; i < hosts.size(); ++i) {
    if (hosts[i].mode != hosts[0].mode) {
      fmt::print(stderr, "client: {} holds {} results but {} holds {}: they do not merge\n",
                 paths[0], protocol_name(hosts[0].mode), paths[i], protocol_name(hosts[i].mode));
      return 1;
    }
  }
  MergedRun merged = merge_runs(std::move(hosts), paths);
  for (const std::string& w : merged.total.warnings) fmt::print(stderr, "client: WARNING: {}\n", w);
  fmt::print("{}{}", render_text(merged.total), render_hosts_text(merged));
  std::fflush(stdout);
  if (!json_path.empty()) {
    nlohmann::json j = nlohmann::json::parse(render_json(merged.total));
    j["hosts"] = hosts_json(merged);
    std::string text = j.dump(2) + "\n";
    if (json_path == "-") {
      fmt::print("{}", text);
    } else {
      std::ofstream out(json_path);
      out << text;
      if (!out) {
        fmt::print(stderr, "client: cannot write --json {}\n", json_path);
        return 1;
      }
    }
  }
  std::vector<std::string> crossed = crossed_thresholds(merged.total, thresholds);
  for (const std::string& c : crossed) fmt::print(stderr, "client: {}\n", c);
  return crossed.empty() ? 0 : 3;
}

}  // namespace percore::client
