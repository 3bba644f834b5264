// The command table, the flags all commands share, and the definitions and validation of
// `client http`'s own (the echo and sweep ones are in flags_echo.cc). Only here do exceptions fly
// (cxxopts throws on malformed input); they are caught and turned into ParseStatus::kError with
// one line.
#include "client/flags/flags.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include <cxxopts.hpp>

#include "client/echo/flags_echo.h"
#include "client/flags/duration.h"
#include "client/flags/flag_value_error.h"
#include "client/multi_host/flags_multi_host.h"
#include "client/run/source_addresses.h"
#include "core/proc/affinity.h"
#include "core/util/printable.h"

namespace percore::client {
namespace {

bool valid_token(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= ' ' || c >= 0x7f ||
        std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool fail(std::string* message, std::string text) {
  *message = std::move(text);
  return false;
}

bool read_file(const std::string& path, std::string* out, std::string* message) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(message, fmt::format("--body-file {}: cannot open it", path));
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// The flags every command shares: connections, threads, time, reporting, backend; and the
// open-loop pace for the protocols whose workers measure from intended send times. `hidden_group`
// holds the flags a command refuses (sweep sets -c itself): they parse, so that the refusal is a
// clear line, but --help does not list them.
void add_common_options(cxxopts::Options& spec, bool paced, const std::string& hidden_group) {
  // clang-format off
  spec.add_options(hidden_group)
    ("c,connections", "Connections in total, spread over the threads", cxxopts::value<int>()->default_value("10"));
  spec.add_options()
    ("t,threads", "Worker threads, one pinned per core (default: the CPUs this process may run on)", cxxopts::value<int>()->default_value("0"))
    ("start-core", "Core of the first worker", cxxopts::value<int>()->default_value("0"))
    ("no-pin", "Do not pin the workers")
    ("d,duration", "Run time, warmup included (10s, 500ms, 2m; default 10s without -n)", cxxopts::value<std::string>())
    ("n,requests", "Stop after N measured requests (with -d: whichever ends first)", cxxopts::value<int64_t>()->default_value("0"))
    ("warmup", "Leading time excluded from the results", cxxopts::value<std::string>()->default_value("0"))
    ("timeout", "Connect and response timeout", cxxopts::value<std::string>()->default_value("5s"))
    ("json", "Write the results as JSON to FILE ('-': stdout)", cxxopts::value<std::string>())
    ("fail-if", "Exit 3 when crossed, e.g. 'p99>5ms' 'errors>0' 'rps<1000' (repeatable)", cxxopts::value<std::vector<std::string>>())
    ("io", fmt::format("I/O backend: {}", io::backend_choices()), cxxopts::value<std::string>()->default_value("auto"))
    ("source", "Local addresses to connect from, round-robin: list and ranges, e.g. 127.0.0.2-127.0.0.40 (past 64k connections)", cxxopts::value<std::string>())
    ("q,quiet", "No progress lines on stderr")
    ("h,help", "This help")
    ("target", "Target", cxxopts::value<std::string>());
  if (paced) {
    spec.add_options()
      ("R,rate", "Open loop: total requests per second at constant pace; latency from the intended send time", cxxopts::value<double>()->default_value("0"));
  }
  // clang-format on
}

void add_http_options(cxxopts::Options& spec) {
  // clang-format off
  spec.add_options()
    ("no-keepalive", "A new connection for every request (Connection: close)")
    ("reconnect-every", "Reconnect after N requests on a connection", cxxopts::value<int64_t>()->default_value("0"))
    ("pipeline", "Requests in flight per connection", cxxopts::value<int>()->default_value("1"))
    ("m,method", "Request method", cxxopts::value<std::string>()->default_value("GET"))
    ("H,header", "Extra request header 'Name: value' (repeatable)", cxxopts::value<std::vector<std::string>>())
    ("body-file", "Request body from a file", cxxopts::value<std::string>());
  // clang-format on
}

// Checks and copies the shared values into *out; false with a one-line *message on a bad value.
bool fill_common(const cxxopts::ParseResult& r, const char* usage, bool paced, Options* out,
                 std::string* message) {
  if (r.count("target") == 0)
    return fail(message, fmt::format("missing target (usage: {})", usage));
  out->url_text = r["target"].as<std::string>();
  out->connections = r["connections"].as<int>();
  if (out->connections < 1 || out->connections > 1'000'000) {
    return fail(message, "-c/--connections must be between 1 and 1000000");
  }
  int threads = r["threads"].as<int>();
  if (threads < 0 || threads > 1024)
    return fail(message, "-t/--threads must be between 1 and 1024");
  // The CPUs this process may use (taskset, cgroup cpusets), not all online ones: more workers
  // than that would share cores.
  if (threads == 0) threads = static_cast<int>(proc::allowed_cpus().size());
  out->threads = std::max(1, std::min(threads, out->connections));
  out->start_core = r["start-core"].as<int>();
  if (out->start_core < 0) return fail(message, "--start-core must be >= 0");
  out->pin = r.count("no-pin") == 0;

  bool has_duration = r.count("duration") > 0;
  if (has_duration &&
      !parse_duration(r["duration"].as<std::string>(), &out->duration_ns, message)) {
    return false;
  }
  if (has_duration && out->duration_ns == 0) return fail(message, "-d/--duration must be > 0");
  int64_t requests = r["requests"].as<int64_t>();
  if (requests < 0) return fail(message, "-n/--requests must be >= 0");
  out->requests = static_cast<uint64_t>(requests);
  if (!has_duration && out->requests == 0) out->duration_ns = int64_t{10} * 1'000'000'000;
  if (!parse_duration(r["warmup"].as<std::string>(), &out->warmup_ns, message)) return false;
  if (out->duration_ns > 0 && out->warmup_ns >= out->duration_ns) {
    return fail(message, "--warmup must be shorter than -d/--duration (the warmup is part of it)");
  }
  if (!parse_duration(r["timeout"].as<std::string>(), &out->timeout_ns, message)) return false;
  if (out->timeout_ns < 1'000'000) return fail(message, "--timeout must be at least 1ms");
  if (r.count("json") > 0) out->json_path = r["json"].as<std::string>();
  if (r.count("fail-if") > 0) {
    for (const std::string& t : r["fail-if"].as<std::vector<std::string>>()) {
      Threshold th;
      if (!parse_threshold(t, &th, message)) return false;
      out->fail_if.push_back(th);
    }
  }
  out->quiet = r.count("quiet") > 0;
  std::string io = r["io"].as<std::string>();
  if (!io::parse_backend_kind(io, &out->io)) {
    return fail(message, fmt::format("bad --io '{}': expected {}", io, io::backend_choices()));
  }
  if (paced) {
    out->rate = r["rate"].as<double>();
    if (!(out->rate >= 0) || out->rate > 1e9) return fail(message, "-R/--rate must be >= 0");
  }
  return true;
}

bool fill_http(const cxxopts::ParseResult& r, Options* out, std::string* message) {
  if (!parse_url(out->url_text, &out->url, message)) return false;
  out->keepalive = r.count("no-keepalive") == 0;
  int64_t reconnect = r["reconnect-every"].as<int64_t>();
  if (reconnect < 0) return fail(message, "--reconnect-every must be >= 0");
  out->reconnect_every = static_cast<uint64_t>(reconnect);
  out->pipeline = r["pipeline"].as<int>();
  if (out->pipeline < 1 || out->pipeline > 1024) {
    return fail(message, "--pipeline must be between 1 and 1024");
  }
  if (!out->keepalive && out->pipeline > 1) {
    return fail(message, "--pipeline needs keep-alive: it cannot be combined with --no-keepalive");
  }

  out->method = r["method"].as<std::string>();
  if (!valid_token(out->method)) return fail(message, fmt::format("bad method '{}'", out->method));
  if (r.count("header") > 0) out->headers = r["header"].as<std::vector<std::string>>();
  for (const std::string& h : out->headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos || !valid_token(h.substr(0, colon)) ||
        h.find_first_of("\r\n") != std::string::npos) {
      return fail(message, fmt::format("bad header '{}': expected 'Name: value'", h));
    }
  }
  if (r.count("body-file") > 0 &&
      !read_file(r["body-file"].as<std::string>(), &out->body, message)) {
    return false;
  }
  return true;
}

// One row per command: the dispatcher of parse_flags. A new command is one row here plus its
// add/fill functions (as in flags_echo.cc).
struct CommandSpec {
  const char* word;
  Command command;
  Protocol protocol;  // what its workers speak
  const char* usage;
  const char* target;  // the positional argument's name in --help
  const char* summary;
  bool paced;  // takes -R/--rate (its worker records corrected latency)
  void (*add_options)(cxxopts::Options& spec);
  bool (*fill)(const cxxopts::ParseResult& r, Options* out, std::string* message);
};

constexpr const char* kEchoSummary =
    "TCP echo (RFC 862) load generator: request-response or windowed stream, every echoed byte "
    "verified";

const CommandSpec kCommands[] = {
    {"http", Command::kHttp, Protocol::kHttp, "client http [options] URL", "URL",
     "HTTP/1.1 load generator: closed loop, or open loop with -R", true, add_http_options,
     fill_http},
    {"echo", Command::kEcho, Protocol::kEcho, "client echo [options] HOST:PORT", "HOST:PORT",
     kEchoSummary, false, [](cxxopts::Options& spec) { add_echo_options(spec, false); }, fill_echo},
    {"sweep", Command::kSweep, Protocol::kEcho, "client sweep [options] HOST:PORT", "HOST:PORT",
     kEchoSummary, false, [](cxxopts::Options& spec) { add_echo_options(spec, true); }, fill_echo},
};

const CommandSpec* find_command(std::string_view word) {
  for (const CommandSpec& c : kCommands) {
    if (word == c.word) return &c;
  }
  return nullptr;
}

}  // namespace

namespace {

ParseStatus parse_flags_raw(int argc, const char* const* argv, Options* out, std::string* message) {
  if (argc < 2 || std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help") {
    *message =
        "usage: client http [options] URL | client echo [options] HOST:PORT | client sweep "
        "[options] HOST:PORT | client udp [options] HOST:PORT | client merge RESULT.json...   "
        "(client MODE --help for the "
        "options)";
    return argc < 2 ? ParseStatus::kError : ParseStatus::kHelp;
  }
  const CommandSpec* command = find_command(argv[1]);
  if (command == nullptr) {
    *message = fmt::format("unknown mode '{}': expected http, echo, udp, sweep or merge", argv[1]);
    return ParseStatus::kError;
  }
  out->command = command->command;
  out->protocol = command->protocol;
  cxxopts::Options spec(std::string("client ") + argv[1], command->summary);
  spec.custom_help("[options]");
  spec.positional_help(command->target);
  // What sweep refuses is parsed in a group its --help leaves out.
  bool sweep = command->command == Command::kSweep;
  std::string hidden = sweep ? "refused by sweep" : "";
  add_common_options(spec, command->paced, hidden);
  add_multi_host_options(spec, hidden);
  command->add_options(spec);
  spec.parse_positional({"target"});
  try {
    auto result = spec.parse(argc - 1, argv + 1);
    if (result.count("help") > 0) {
      *message = sweep ? spec.help({""}) : spec.help();
      return ParseStatus::kHelp;
    }
    if (sweep && result.count("connections") > 0) {
      *message =
          "sweep sets -c itself (1, 2, 4 ... up to --max-connections): use --max-connections";
      return ParseStatus::kError;
    }
    if (!result.unmatched().empty()) {
      *message = fmt::format("unexpected argument '{}'", result.unmatched().front());
      return ParseStatus::kError;
    }
    bool ok = fill_common(result, command->usage, command->paced, out, message) &&
              command->fill(result, out, message) && fill_multi_host(result, out, message);
    // After the target: the sources must be of its family.
    if (ok && result.count("source") > 0) {
      ok = parse_sources(result["source"].as<std::string>(), out->url.address.family(),
                         &out->sources, message);
    }
    return ok ? ParseStatus::kOk : ParseStatus::kError;
  } catch (const std::exception& e) {
    *message = name_the_flag(e.what(), argc - 1, argv + 1);
    return ParseStatus::kError;
  }
}

}  // namespace

ParseStatus parse_flags(int argc, const char* const* argv, Options* out, std::string* message) {
  ParseStatus status = parse_flags_raw(argc, argv, out, message);
  // Errors quote the user's arguments, which may hold any byte: keep them on one line.
  if (status == ParseStatus::kError) *message = util::printable(*message);
  return status;
}

}  // namespace percore::client
