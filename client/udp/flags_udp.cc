#include "client/udp/flags_udp.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include <cxxopts.hpp>

#include "client/echo/flags_echo.h"
#include "client/flags/duration.h"
#include "client/flags/flag_value_error.h"
#include "client/multi_host/flags_multi_host.h"
#include "client/udp/udp_fail_if.h"
#include "client/udp/udp_packet.h"

namespace percore::client {
namespace {

bool fail(std::string* message, std::string text) {
  *message = std::move(text);
  return false;
}

cxxopts::Options make_spec() {
  cxxopts::Options spec("client udp",
                        "percore client udp [options] host:port — sends sequence-numbered "
                        "datagrams to a UDP echo server and reports rates, loss, duplicates, "
                        "reordering and round-trip times; --sink only receives (the far end of "
                        "a relay)");
  // clang-format off
  spec.add_options()
    ("l,length", "Bytes per datagram, 0 to 65507; from 16 on each carries a sequence number and its send time", cxxopts::value<std::string>()->default_value("64"))
    ("d,duration", "Sending time (10s, 500ms, 2m)", cxxopts::value<std::string>()->default_value("10s"))
    ("R,rate", "Datagrams per second in total, evenly spaced over all threads; 0: unpaced, as fast as the backend takes them", cxxopts::value<double>()->default_value("0"))
    ("k,sockets", "Sockets per thread, each from its own ephemeral port", cxxopts::value<int>()->default_value("1"))
    ("t,threads", "Worker threads, one pinned per core", cxxopts::value<int>()->default_value("1"))
    ("start-core", "Core of the first thread", cxxopts::value<int>()->default_value("0"))
    ("no-pin", "Do not pin the threads")
    ("rcvbuf", "Socket receive buffer (4MiB, 64k ...)", cxxopts::value<std::string>()->default_value("4MiB"))
    ("sndbuf", "Socket send buffer", cxxopts::value<std::string>()->default_value("4MiB"))
    ("timeout", "A round trip above this is late; the wait for the last answers", cxxopts::value<std::string>()->default_value("1s"))
    ("sink", "Receive only, on host:port: count what a relay delivers")
    ("json", "Write the results as JSON to FILE ('-': stdout)", cxxopts::value<std::string>())
    ("fail-if", "Exit 3 when crossed, e.g. 'lost>0' 'p99>2ms' 'pps<1000' (repeatable)", cxxopts::value<std::vector<std::string>>())
    ("io", fmt::format("I/O backend: {}", io::backend_choices()), cxxopts::value<std::string>()->default_value("auto"))
    ("q,quiet", "No progress lines on stderr")
    ("h,help", "This help")
    ("target", "host:port", cxxopts::value<std::string>());
  // clang-format on
  add_multi_host_options(spec);
  spec.parse_positional({"target"});
  spec.positional_help("host:port");
  return spec;
}

bool buffer_flag(const cxxopts::ParseResult& r, const char* name, int* out, std::string* message) {
  uint64_t bytes = 0;
  std::string text = r[name].as<std::string>();
  if (!parse_byte_size(text, &bytes) || bytes < 1024 || bytes > (1u << 30)) {
    return fail(message, fmt::format("--{} '{}' must be between 1KiB and 1GiB", name, text));
  }
  *out = static_cast<int>(bytes);
  return true;
}

// --segment I/N: this client's share of the sockets (-t x -k) and of -R, divided exactly as
// client http divides -c and -R; -t is kept within the share of sockets.
bool take_segment(UdpOptions* o, std::string* message) {
  const Segment& s = o->segment;
  if (s.count == 1) return true;
  std::string which = fmt::format("--segment {}/{}", s.index + 1, s.count);
  auto total = static_cast<uint64_t>(o->total_sockets);
  uint64_t sockets = segment_share(total, s);
  if (sockets == 0) {
    return fail(message, fmt::format("-t {} x -k {} leaves {} without a socket: use -t x -k >= {}",
                                     o->threads, o->sockets, which, s.count));
  }
  o->total_sockets = static_cast<int>(sockets);
  o->first_stream = static_cast<uint32_t>(segment_offset(total, s));
  o->threads = std::min(o->threads, o->total_sockets);
  if (o->rate > 0) {
    o->rate = segment_rate(o->rate, s);
    if (o->rate <= 0) return fail(message, fmt::format("-R leaves {} without a rate", which));
  }
  return true;
}

bool fill(const cxxopts::ParseResult& r, UdpOptions* o, std::string* message) {
  if (!r.unmatched().empty()) {
    return fail(message, "unexpected argument '" + r.unmatched().front() + "'");
  }
  if (r.count("target") == 0) return fail(message, "missing host:port (client udp host:port)");
  o->target_text = r["target"].as<std::string>();
  std::string why;
  if (!net::parse_address(o->target_text, &o->target, &why)) {
    return fail(message, "bad target '" + o->target_text + "': " + why);
  }
  if (o->target.port() == 0) return fail(message, "the target needs a port other than 0");
  std::string len_text = r["length"].as<std::string>();
  uint64_t len = 0;
  if (len_text == "0") {
    len = 0;
  } else if (!parse_byte_size(len_text, &len) || len > kUdpMaxDatagram) {
    return fail(message, fmt::format("-l/--length '{}' must be between 0 and {}", len_text,
                                     kUdpMaxDatagram));
  }
  o->length = static_cast<uint32_t>(len);
  if (!parse_duration(r["duration"].as<std::string>(), &o->duration_ns, message)) return false;
  if (o->duration_ns <= 0 || o->duration_ns > int64_t{86400} * 1'000'000'000) {
    return fail(message, "-d/--duration must be between 1ns and 24h");
  }
  o->rate = r["rate"].as<double>();
  if (!(o->rate >= 0 && o->rate <= 1e9)) {
    return fail(message, "-R/--rate must be between 0 (as fast as possible) and 1e9");
  }
  o->sockets = r["sockets"].as<int>();
  if (o->sockets < 1 || o->sockets > 1024) return fail(message, "-k/--sockets must be 1 to 1024");
  o->threads = r["threads"].as<int>();
  if (o->threads < 1 || o->threads > 1024) return fail(message, "-t/--threads must be 1 to 1024");
  if (o->threads * o->sockets > 65536) {
    return fail(message, "-t x -k must be at most 65536 (the sequence numbers name the socket)");
  }
  o->start_core = r["start-core"].as<int>();
  if (o->start_core < 0 || o->start_core >= 4096) {
    return fail(message, "--start-core must be between 0 and 4095");
  }
  o->pin = r.count("no-pin") == 0;
  if (!buffer_flag(r, "rcvbuf", &o->rcvbuf, message) ||
      !buffer_flag(r, "sndbuf", &o->sndbuf, message)) {
    return false;
  }
  if (!parse_duration(r["timeout"].as<std::string>(), &o->timeout_ns, message)) return false;
  if (o->timeout_ns < 1'000'000 || o->timeout_ns > int64_t{600} * 1'000'000'000) {
    return fail(message, "--timeout must be between 1ms and 10m");
  }
  o->sink = r.count("sink") > 0;
  if (o->sink && r.count("rate") > 0) return fail(message, "--sink sends nothing: drop -R/--rate");
  if (r.count("json") > 0) o->json_path = r["json"].as<std::string>();
  if (r.count("fail-if") > 0) {
    for (const std::string& t : r["fail-if"].as<std::vector<std::string>>()) {
      UdpThreshold th;
      if (!parse_udp_threshold(t, &th, message)) return false;
      o->fail_if.push_back(th);
    }
  }
  if (!io::parse_backend_kind(r["io"].as<std::string>(), &o->io)) {
    return fail(message, fmt::format("--io must be {}", io::backend_choices()));
  }
  o->quiet = r.count("quiet") > 0;
  o->total_sockets = o->threads * o->sockets;
  return parse_multi_host(r, o, message) && take_segment(o, message);
}

}  // namespace

ParseStatus parse_udp_flags(int argc, const char* const* argv, UdpOptions* out,
                            std::string* message) {
  cxxopts::Options spec = make_spec();
  // cxxopts sees "client udp" as the program: skip the mode word.
  try {
    cxxopts::ParseResult r = spec.parse(argc - 1, argv + 1);
    if (r.count("help")) {
      *message = spec.help();
      return ParseStatus::kHelp;
    }
    return fill(r, out, message) ? ParseStatus::kOk : ParseStatus::kError;
  } catch (const cxxopts::exceptions::exception& e) {
    *message = name_the_flag(e.what(), argc - 1, argv + 1);
    return ParseStatus::kError;
  }
}

}  // namespace percore::client
