#include "client/multi_host/flags_multi_host.h"

#include <time.h>

#include <algorithm>

#include <fmt/format.h>

namespace percore::client {
namespace {

int64_t wall_clock_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

void add_multi_host_options(cxxopts::Options& spec, const std::string& group) {
  // clang-format off
  spec.add_options(group)
    ("segment", "Run share I of N of the load: -c (udp: -t x -k sockets), -R and -n (I/N, e.g. 2/3; N hosts add up to the whole)", cxxopts::value<std::string>())
    ("start-at", "Start at this wall-clock time: epoch seconds, 2026-11-22T03:30:00Z or +5s", cxxopts::value<std::string>())
    ("hdr-log", "Write an HdrHistogram interval log (one histogram a second) to FILE", cxxopts::value<std::string>());
  // clang-format on
}

bool parse_multi_host(const cxxopts::ParseResult& r, RunOptions* out, std::string* message) {
  if (r.count("hdr-log") > 0) {
    out->hdr_log_path = r["hdr-log"].as<std::string>();
    if (out->hdr_log_path.empty()) {
      *message = "--hdr-log needs a file name";
      return false;
    }
  }
  if (r.count("start-at") > 0 && !parse_start_at(r["start-at"].as<std::string>(), wall_clock_ms(),
                                                 &out->start_at_ms, message)) {
    return false;
  }
  if (r.count("segment") > 0 &&
      !parse_segment(r["segment"].as<std::string>(), &out->segment, message)) {
    return false;
  }
  return true;
}

bool fill_multi_host(const cxxopts::ParseResult& r, Options* out, std::string* message) {
  bool any = r.count("segment") > 0 || r.count("start-at") > 0 || r.count("hdr-log") > 0;
  if (any && out->command == Command::kSweep) {
    *message = "--segment, --start-at and --hdr-log are for single runs, not sweep";
    return false;
  }
  if (!parse_multi_host(r, out, message)) return false;
  if (out->segment.count == 1) return true;
  const Segment& s = out->segment;
  std::string which = fmt::format("--segment {}/{}", s.index + 1, s.count);
  auto connections = segment_share(static_cast<uint64_t>(out->connections), s);
  if (connections == 0) {
    *message = fmt::format("-c {} leaves {} without a connection: use -c >= {}", out->connections,
                           which, s.count);
    return false;
  }
  out->connections = static_cast<int>(connections);
  out->threads = std::min(out->threads, out->connections);
  if (out->requests > 0) {
    uint64_t requests = segment_share(out->requests, s);
    if (requests == 0) {
      *message = fmt::format("-n {} leaves {} without a request: use -n >= {}", out->requests,
                             which, s.count);
      return false;
    }
    out->requests = requests;
  }
  if (out->rate > 0) {
    double rate = segment_rate(out->rate, s);
    if (rate <= 0) {
      *message = fmt::format("-R {} leaves {} without a rate", out->rate, which);
      return false;
    }
    out->rate = rate;
  }
  return true;
}

}  // namespace percore::client
