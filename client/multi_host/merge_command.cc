#include "client/multi_host/merge_command.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <cxxopts.hpp>

#include "client/command.h"
#include "client/multi_host/merge.h"
#include "client/result/fail_if.h"
#include "client/result/report_json.h"
#include "client/result/report_text.h"
#include "client/result/run_json_read.h"
#include "client/udp/udp_fail_if.h"

namespace percore::client {
namespace {

constexpr const char* kUsage = "client merge [--json FILE] [--fail-if T] RESULT.json...";

int usage_error(const std::string& message) {
  fmt::print(stderr, "client: {}\n", message);
  return kExitUsage;
}

struct Input {
  std::string path;
  std::string text;
  std::string mode;  // the JSON's "mode"; empty when there is none
};

bool read_input(const std::string& path, Input* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "client: {}: cannot open it\n", path);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  out->path = path;
  out->text = text.str();
  nlohmann::json j = nlohmann::json::parse(out->text, nullptr, false);
  if (j.is_object() && j.contains("mode") && j["mode"].is_string()) out->mode = j["mode"];
  return true;
}

// The --fail-if texts parsed as the results' kind; false after a usage line.
template <class Parse>
bool parse_thresholds(const std::vector<std::string>& texts, Parse parse,
                      std::vector<Threshold>* out) {
  for (const std::string& text : texts) {
    Threshold t;
    std::string error;
    if (!parse(text, &t, &error)) {
      fmt::print(stderr, "client: --fail-if: {}\n", error);
      return false;
    }
    out->push_back(t);
  }
  return true;
}

// What `client merge` needs of one kind of result (connections: http and echo; udp).
template <class Result>
struct MergeKind {
  bool (*parse_threshold)(std::string_view text, Threshold* out, std::string* error);
  bool (*read)(const std::string& text, Result* out, std::string* error);
  MergedHosts<Result> (*merge)(std::vector<Result> hosts, std::vector<std::string> sources);
  std::string (*text)(const Result& total);
  std::string (*hosts_text)(const MergedHosts<Result>& merged);
  nlohmann::json (*json)(const Result& total);
  nlohmann::json (*hosts_json)(const MergedHosts<Result>& merged);
  std::vector<std::string> (*crossed)(const Result& total, const std::vector<Threshold>& fail_if);
};

constexpr MergeKind<UdpResult> kUdpKind{parse_udp_threshold, read_udp_json,         merge_udp_runs,
                                        render_udp_text,     render_udp_hosts_text, udp_json,
                                        udp_hosts_json,      crossed_udp_thresholds};

constexpr MergeKind<RunResult> kConnectionKind{parse_threshold,
                                               read_run_json,
                                               merge_runs,
                                               render_text,
                                               render_hosts_text,
                                               [](const RunResult& total) { return nlohmann::json::parse(render_json(total)); },
                                               hosts_json,
                                               crossed_thresholds};

template <class Result>
int merge_kind(const MergeKind<Result>& kind, const std::vector<Input>& inputs,
               const std::string& json_path, const std::vector<std::string>& fail_if) {
  std::vector<Threshold> thresholds;
  if (!parse_thresholds(fail_if, kind.parse_threshold, &thresholds)) return kExitUsage;
  std::vector<Result> hosts(inputs.size());
  std::vector<std::string> paths;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string error;
    if (!kind.read(inputs[i].text, &hosts[i], &error)) {
      fmt::print(stderr, "client: {}: {}\n", inputs[i].path, error);
      return kExitFailed;
    }
    paths.push_back(inputs[i].path);
  }
  MergedHosts<Result> merged = kind.merge(std::move(hosts), paths);
  std::string json;
  if (!json_path.empty()) {
    nlohmann::json j = kind.json(merged.total);
    j["hosts"] = kind.hosts_json(merged);
    json = j.dump(2) + "\n";
  }
  return report(merged.total.warnings, kind.text(merged.total) + kind.hosts_text(merged), json_path,
                json, kind.crossed(merged.total, thresholds));
}

}  // namespace

int merge_main(int argc, const char* const* argv) {
  cxxopts::Options spec("client merge",
                        "One report from the --json results of several hosts or segments (http, "
                        "echo or udp, one kind at a time): counts summed, histograms merged, "
                        "each host judged");
  spec.custom_help("[options]");
  spec.positional_help("RESULT.json...");
  // clang-format off
  spec.add_options()
    ("json", "Also write the merged result as JSON to FILE ('-': stdout)", cxxopts::value<std::string>())
    ("fail-if", "Exit 3 when crossed, as for a run of that kind (repeatable)", cxxopts::value<std::vector<std::string>>())
    ("h,help", "This help")
    ("results", "Result files", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  spec.parse_positional({"results"});
  std::vector<std::string> paths;
  std::vector<std::string> fail_if;
  std::string json_path;
  try {
    auto r = spec.parse(argc - 1, argv + 1);
    if (r.count("help") > 0) {
      fmt::print("{}\n", spec.help());
      return kExitOk;
    }
    if (!r.unmatched().empty()) {
      return usage_error(fmt::format("unexpected argument '{}'", r.unmatched().front()));
    }
    if (r.count("results") == 0) {
      return usage_error(fmt::format("no result files (usage: {})", kUsage));
    }
    paths = r["results"].as<std::vector<std::string>>();
    if (r.count("json") > 0) json_path = r["json"].as<std::string>();
    if (r.count("fail-if") > 0) fail_if = r["fail-if"].as<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  if (std::string why; !check_output_path("--json", json_path, &why)) return usage_error(why);

  std::vector<Input> inputs(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!read_input(paths[i], &inputs[i])) return kExitFailed;
  }
  // Results of different kinds (http and udp, udp and udp --sink ...) measure different things.
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (!inputs[i].mode.empty() && !inputs[0].mode.empty() && inputs[i].mode != inputs[0].mode) {
      return usage_error(fmt::format("{} holds {} results but {} holds {}: they do not merge",
                                     inputs[0].path, inputs[0].mode, inputs[i].path,
                                     inputs[i].mode));
    }
  }
  if (is_udp_mode(inputs[0].mode)) return merge_kind(kUdpKind, inputs, json_path, fail_if);
  return merge_kind(kConnectionKind, inputs, json_path, fail_if);
}

}  // namespace percore::client
