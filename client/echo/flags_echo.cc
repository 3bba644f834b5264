// Echo and sweep flags. Sizes take binary suffixes because they are compared with socket buffer
// sizes, which are powers of two.
#include "client/echo/flags_echo.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

#include "core/net/address.h"
#include "core/proc/affinity.h"

namespace percore::client {
namespace {

bool fail(std::string* message, std::string text) {
  *message = std::move(text);
  return false;
}

bool size_flag(const cxxopts::ParseResult& r, const char* name, uint64_t max, uint64_t* out,
               std::string* message) {
  std::string text = r[name].as<std::string>();
  if (!parse_byte_size(text, out) || *out == 0 || *out > max) {
    return fail(message, fmt::format("bad --{} '{}': expected 1 to {} bytes (64, 1k, 16KiB, 1m)",
                                     name, text, max));
  }
  return true;
}

}  // namespace

bool parse_byte_size(std::string_view text, uint64_t* bytes) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return false;
  uint64_t value = std::strtoull(std::string(text.substr(0, digits)).c_str(), nullptr, 10);
  std::string_view unit = text.substr(digits);
  uint64_t scale = 1;
  if (unit.empty() || unit == "b" || unit == "B") {
    scale = 1;
  } else if (unit == "k" || unit == "K" || unit == "KiB" || unit == "kiB") {
    scale = 1024;
  } else if (unit == "m" || unit == "M" || unit == "MiB") {
    scale = 1024 * 1024;
  } else {
    return false;
  }
  *bytes = value * scale;
  return true;
}

void add_echo_options(cxxopts::Options& spec, bool sweep) {
  // clang-format off
  spec.add_options()
    ("pattern", "rr: send a message, wait for its whole echo, repeat; stream: send continuously within --window", cxxopts::value<std::string>()->default_value("rr"))
    ("l,payload", "Bytes per message (64, 1k, 16KiB)", cxxopts::value<std::string>()->default_value("64"))
    ("window", "stream: most unechoed bytes in flight per connection (default 64KiB, at least -l)", cxxopts::value<std::string>());
  if (sweep) {
    spec.add_options()
      ("max-connections", "Sweep connections 1, 2, 4 ... up to N", cxxopts::value<int>()->default_value("512"))
      ("csv", "Write connections,rate,p50_us,p99_us,errors to FILE", cxxopts::value<std::string>())
      ("png", "Render rate and p99 against connections to FILE with gnuplot", cxxopts::value<std::string>())
      ("plot-script", "gnuplot script (default: scripts/plot-sweep.gp of the source tree)", cxxopts::value<std::string>());
  }
  // clang-format on
}

bool fill_echo(const cxxopts::ParseResult& r, Options* out, std::string* message) {
  if (!net::parse_address(out->url_text, &out->url.address, message)) {
    *message = fmt::format("bad target '{}': {} (expected HOST:PORT, e.g. 127.0.0.1:7)",
                           out->url_text, *message);
    return false;
  }
  if (out->url.address.port() == 0) return fail(message, "the target port must not be 0");
  add_localhost_alternatives(out->url_text, &out->url);
  std::string pattern = r["pattern"].as<std::string>();
  if (pattern == "rr") {
    out->echo.pattern = EchoPattern::kRequestResponse;
  } else if (pattern == "stream") {
    out->echo.pattern = EchoPattern::kStream;
  } else {
    return fail(message, fmt::format("bad --pattern '{}': expected rr or stream", pattern));
  }
  uint64_t payload = 0;
  if (!size_flag(r, "payload", kMaxPayload, &payload, message)) return false;
  out->echo.payload = static_cast<uint32_t>(payload);
  uint64_t window = std::max<uint64_t>(kDefaultWindow, payload);
  if (r.count("window") > 0) {
    if (!size_flag(r, "window", kMaxWindow, &window, message)) return false;
    if (window < payload) {
      return fail(message,
                  fmt::format("--window {} is smaller than one message (-l {})", window, payload));
    }
  }
  out->echo.window = static_cast<uint32_t>(window);
  if (out->command != Command::kSweep) return true;
  // The sweep sets -c per step and caps the threads at it then, not at the default -c.
  int threads = r["threads"].as<int>();
  out->threads = threads > 0 ? threads : static_cast<int>(proc::allowed_cpus().size());
  out->sweep.max_connections = r["max-connections"].as<int>();
  if (out->sweep.max_connections < 1 || out->sweep.max_connections > 100'000) {
    return fail(message, "--max-connections must be between 1 and 100000");
  }
  if (r.count("csv") > 0) out->sweep.csv_path = r["csv"].as<std::string>();
  if (r.count("png") > 0) out->sweep.png_path = r["png"].as<std::string>();
  if (r.count("plot-script") > 0) out->sweep.plot_script = r["plot-script"].as<std::string>();
  return true;
}

}  // namespace percore::client
