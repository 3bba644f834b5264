#include "server/doctor/doctor_main.h"

#include <fmt/format.h>

#include <cstring>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "server/doctor/assess.h"
#include "server/doctor/check.h"
#include "server/doctor/probes.h"

namespace percore::server::doctor {

bool wants_doctor(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "doctor") == 0) return true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--doctor") == 0) return true;
  }
  return false;
}

int run_doctor(int argc, char** argv) {
  // cxxopts treats "doctor" as a positional argument; drop it so only flags remain.
  std::vector<char*> args(argv, argv + argc);
  if (args.size() > 1 && std::strcmp(args[1], "doctor") == 0) args.erase(args.begin() + 1);
  cxxopts::Options spec("server doctor",
                        "what this machine offers and lacks for percore, one line per item");
  // clang-format off
  spec.add_options()
    ("doctor", "run the doctor (same as the `doctor` subcommand)")
    ("json", "print JSON for scripts")
    ("for", "look at the NIC that routes to this address (default: the default route)", cxxopts::value<std::string>())
    ("h,help", "show this help");
  // clang-format on
  std::string target;
  bool json = false;
  try {
    int n = static_cast<int>(args.size());
    cxxopts::ParseResult r = spec.parse(n, args.data());
    if (r.count("help")) {
      fmt::print("{}", spec.help());
      return 0;
    }
    if (!r.unmatched().empty()) {
      fmt::print(stderr, "server doctor: unexpected argument '{}' (see --help)\n",
                 r.unmatched().front());
      return 2;
    }
    json = r.count("json") > 0;
    if (r.count("for")) target = r["for"].as<std::string>();
  } catch (const cxxopts::exceptions::exception& e) {
    fmt::print(stderr, "server doctor: {} (see --help)\n", e.what());
    return 2;
  }
  std::vector<Check> checks = assess(gather_facts(target));
  fmt::print("{}", json ? format_json(checks) : format_text(checks));
  return 0;
}

}  // namespace percore::server::doctor
