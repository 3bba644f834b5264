#include "server/programmable/target_flags.h"

namespace percore::server::programmable {

void add_target_options(cxxopts::Options& spec) {
  // clang-format off
  spec.add_options("programmable target")
    ("programmable", "HTTP mode: each request's query string programs its answer (status=, size=, delay=, chunked=, chunk=, close=, reset=, drop=, headers=)")
    ("status", "programmable: default status", cxxopts::value<std::string>())
    ("delay", "programmable: default delay before answering (250us, 100ms, 1.5s)", cxxopts::value<std::string>())
    ("chunked", "programmable: chunked bodies by default")
    ("chunk", "programmable: default chunk size in bytes (implies --chunked)", cxxopts::value<std::string>())
    ("headers", "programmable: default number of extra header lines", cxxopts::value<std::string>())
    ("fail-rate", "programmable: share of requests answered with an error, SHARE[:STATUS] (0.01:503)", cxxopts::value<std::string>())
    ("reset-rate", "programmable: share of requests answered with a TCP reset (0.001)", cxxopts::value<std::string>())
    ("delay-dist", "programmable: delay distribution: fixed, uniform:LOW..HIGH, exp:MEAN", cxxopts::value<std::string>());
  // clang-format on
}

bool fill_target_options(const cxxopts::ParseResult& r, TargetOptions* out, std::string* message) {
  out->enabled = r.count("programmable") > 0;
  const char* flags[] = {"status",  "delay",     "chunked",    "chunk",
                         "headers", "fail-rate", "reset-rate", "delay-dist"};
  for (const char* flag : flags) {
    if (r.count(flag) && !out->enabled) {
      *message = std::string("--") + flag + " needs --programmable";
      return false;
    }
  }
  SpecError error;
  for (const char* param : {"status", "delay", "chunk", "headers"}) {
    if (!r.count(param)) continue;
    if (!apply_param(param, r[param].as<std::string>(), &out->defaults, &error)) {
      *message = std::string("--") + param + ": " + error.text;
      return false;
    }
  }
  if (r.count("chunked")) out->defaults.chunked = true;
  // A default delay is the fixed delay; only a query's delay= counts as given per request.
  out->defaults.delay_given = false;
  std::string why;
  if (r.count("fail-rate") &&
      !parse_fail_rate(r["fail-rate"].as<std::string>(), &out->faults.fail_rate,
                       &out->faults.fail_status, &why)) {
    *message = "--fail-rate: " + why;
    return false;
  }
  if (r.count("reset-rate") &&
      !parse_rate(r["reset-rate"].as<std::string>(), &out->faults.reset_rate, &why)) {
    *message = "--reset-rate: " + why;
    return false;
  }
  if (r.count("delay-dist") &&
      !parse_delay_dist(r["delay-dist"].as<std::string>(), &out->faults.delay_dist, &why)) {
    *message = "--delay-dist: " + why;
    return false;
  }
  return true;
}

}  // namespace percore::server::programmable
