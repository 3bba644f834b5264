#include "server/options.h"

#include <algorithm>
#include <cstdint>
#include <cxxopts.hpp>
#include <filesystem>
#include <string_view>

#include "core/proc/affinity.h"
#include "core/stats/worker_slots.h"
#include "core/util/printable.h"
#include "server/option_values.h"
#include "server/platform.h"
#include "server/programmable/target_flags.h"

namespace percore::server {
namespace {

bool built_here(const ModeRow& row) {
  return (row.systems & kThisSystem) != 0;
}

bool name_built_here(const char* name) {
  for (const ModeRow& row : mode_rows()) {
    if (built_here(row) && std::string_view(name) == row.name) return true;
  }
  return false;
}

// The row for `mode` on the I/O `io` among those built on this system, or nullptr.
const ModeRow* row_here(ServerMode mode, IoKinds io) {
  for (const ModeRow& row : mode_rows()) {
    if (built_here(row) && row.mode == mode && (row.io & io) != 0) return &row;
  }
  return nullptr;
}

// What the rows of mode_table.h add to --help's description: what the modes are and, where
// some are not built, which.
std::string modes_note() {
  std::string note = ". Modes (--mode):";
  const char* separator = " ";
  for (const ModeRow& row : mode_rows()) {
    if (!built_here(row) || *row.about == '\0') continue;
    note += separator + std::string(row.name) + " " + row.about;
    separator = "; ";
  }
  std::string missing =
      mode_names([](const ModeRow& row) { return !name_built_here(row.name); }, "and");
  if (!missing.empty()) {
    note += "; " + missing + " may come to " + platform::kSystemText.name + " later";
  }
  return note + ".";
}

std::string io_help() {
  std::string help = platform::kSystemText.io_help;
  std::string sockmap =
      mode_names([](const ModeRow& row) { return built_here(row) && (row.io & kSockmapIo); }, "or");
  if (!sockmap.empty()) {
    help += "; sockmap (" + sockmap + " only): the kernel moves the bytes itself, with BPF";
  }
  return help;
}

cxxopts::Options make_spec() {
  std::string modes = mode_names(built_here, "or");
  std::string forwarding = mode_names([](const ModeRow& row) { return row.forwards; }, "or");
  cxxopts::Options spec(
      "server",
      std::string("percore server: one pinned worker per core, each with its own "
                  "SO_REUSEPORT listener and event loop. `server doctor --help`: check this "
                  "machine") +
          platform::kSystemText.help_note + modes_note());
  std::string mode_help = modes + " (default: " + mode_name(default_mode(true)) +
                          " with -x, else " + mode_name(default_mode(false)) + ")";
  std::string backend_help = forwarding + ": backend ip:port, repeatable";
  std::string io_text = io_help();
  // clang-format off
  spec.add_options()
    ("w,workers", "worker processes (default: online CPUs)", cxxopts::value<std::string>())
    ("c,start-core", "core of the first worker; worker i goes on core K+i", cxxopts::value<std::string>()->default_value("0"))
    ("a,listen", "listen address ip:port or [v6]:port, repeatable (default 0.0.0.0:8080)", cxxopts::value<std::vector<std::string>>())
    ("x,backend", backend_help, cxxopts::value<std::vector<std::string>>())
    ("o,log", "log file (its directory must exist)", cxxopts::value<std::string>()->default_value("./percore.log"))
    ("join-running", "share the listen addresses with a server already listening there (hitless restart, docs/operations.md); without it such an address is an error")
    ("v,verbose", "print per-worker statistics every second")
    ("d,debug", "debug logging")
    ("k,keepalive", "HTTP keep-alive")
    ("mode", mode_help, cxxopts::value<std::string>())
    ("io", io_text, cxxopts::value<std::string>()->default_value(platform::kSystemText.io_default))
    ("body-size", "bytes in the 200 response body (default: a short greeting)", cxxopts::value<std::string>())
    ("idle-timeout", "seconds an idle keep-alive connection is kept", cxxopts::value<std::string>()->default_value("60"))
    ("header-timeout", "seconds a client has to send a request's headers", cxxopts::value<std::string>()->default_value("10"))
    ("drain-timeout", "seconds to finish in-flight requests on SIGTERM", cxxopts::value<std::string>()->default_value("10"))
    ("max-header-size", "bytes of request headers before 431", cxxopts::value<std::string>()->default_value("8192"))
    ("backlog", "listen backlog", cxxopts::value<std::string>()->default_value("4096"))
    ("listen-mode", "reuseport (a listener per worker), cpu (plus SO_INCOMING_CPU steering), shared (one listener opened by the master) or shared-exclusive (shared, with EPOLLEXCLUSIVE)", cxxopts::value<std::string>()->default_value("reuseport"))
    ("backend-conns", "proxy: idle keep-alive connections kept per backend per worker", cxxopts::value<std::string>()->default_value("64"))
    ("backend-timeout", "proxy: seconds without progress from a backend before 504", cxxopts::value<std::string>()->default_value("10"))
    ("backend-idle-timeout", "proxy: seconds a pooled backend connection is kept idle", cxxopts::value<std::string>()->default_value("15"))
    ("balance", "proxy: rr or least-conn; udp-relay: rr (one backend per datagram)", cxxopts::value<std::string>()->default_value("rr"))
    ("fanout", "udp-relay: send every datagram to every backend (1:N relay)")
    ("bind-source", "udp-relay: source IP of forwarded datagrams", cxxopts::value<std::string>())
    ("rcvbuf", "UDP modes: socket receive buffer bytes", cxxopts::value<std::string>()->default_value("4194304"))
    ("sndbuf", "UDP modes: socket send buffer bytes", cxxopts::value<std::string>()->default_value("4194304"))
    ("metrics", "serve Prometheus metrics at http://ip:port/metrics", cxxopts::value<std::string>())
    ("h,help", "show this help");
  // clang-format on
  programmable::add_target_options(spec);
  return spec;
}

// The flag as the user may have spelled it, for messages.
std::string label(std::string_view name) {
  if (name == "workers") return "-w/--workers";
  if (name == "start-core") return "-c/--start-core";
  return "--" + std::string(name);
}

// The value of a numeric flag (declared as a string: see option_values.h).
bool read_whole(const cxxopts::ParseResult& r, const char* name, long* out, std::string* message) {
  const std::string& text = r[name].as<std::string>();
  if (parse_whole(text, out)) return true;
  *message = not_a_whole_number(label(name), text);
  return false;
}

// A whole-number flag within [min, max]; the range message keeps the flag's own wording.
bool read_int(const cxxopts::ParseResult& r, const char* name, long min, long max, int* out,
              std::string* message) {
  long v = 0;
  if (!read_whole(r, name, &v, message)) return false;
  if (v < min || v > max) {
    *message =
        label(name) + " must be between " + std::to_string(min) + " and " + std::to_string(max);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// Timeouts: a positive number of seconds, at most a day. 0 does not mean "never" here.
bool parse_seconds(const cxxopts::ParseResult& r, const char* name, int* out_ms,
                   std::string* message) {
  const std::string& text = r[name].as<std::string>();
  double s = 0;
  if (!parse_decimal(text, &s)) {
    *message = not_a_number(label(name), text);
    return false;
  }
  if (!(s > 0 && s <= 86400)) {
    *message = label(name) + " must be greater than 0 and at most 86400 seconds";
    return false;
  }
  *out_ms = std::max(1, static_cast<int>(s * 1000));
  return true;
}

bool parse_addresses(const std::vector<std::string>& texts, const char* flag,
                     std::vector<net::Address>* out, std::string* message) {
  for (const std::string& text : texts) {
    net::Address addr;
    std::string error;
    if (!net::parse_address(text, &addr, &error)) {
      *message = std::string(flag) + ": " + error;
      return false;
    }
    out->push_back(addr);
  }
  return true;
}

// The same address twice would open two listeners in one SO_REUSEPORT group per worker.
bool distinct_addresses(const std::vector<net::Address>& addrs, std::string* message) {
  for (size_t i = 0; i < addrs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (addrs[i].to_string() == addrs[j].to_string() && addrs[i].port() != 0) {
        *message = "-a/--listen: " + addrs[i].to_string() + " given twice";
        return false;
      }
    }
  }
  return true;
}

// The log file's directory must exist: the logger would create missing directories, which
// turns a typo into a log written somewhere nobody looks.
bool log_directory_exists(const std::string& path, std::string* message) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) return true;  // a bare name: the current directory
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return true;
  *message = "-o/--log: directory '" + dir.string() + "' does not exist";
  return false;
}

bool datagram(const ModeRow& row) {
  return row.transport == Transport::kDatagram;
}

// The datagram modes' flags; they are usage errors with any other mode.
ParseOutcome fill_udp(const cxxopts::ParseResult& r, ServerOptions* o, std::string* message) {
  const ModeRow& row = mode_row(*o);
  bool relay = datagram(row) && row.forwards;
  if (!datagram(row)) {
    for (const char* flag : {"fanout", "bind-source", "rcvbuf", "sndbuf"}) {
      if (r.count(flag)) {
        *message = std::string("--") + flag + " applies to the " + mode_names(datagram, "and") +
                   " modes only";
        return ParseOutcome::kUsageError;
      }
    }
    return ParseOutcome::kRun;
  }
  if (!relay && (r.count("fanout") || r.count("bind-source"))) {
    *message = "--fanout and --bind-source apply to --mode " +
               mode_names([](const ModeRow& m) { return datagram(m) && m.forwards; }, "or") +
               " only";
    return ParseOutcome::kUsageError;
  }
  for (const char* flag : {"rcvbuf", "sndbuf"}) {
    long v = 0;
    if (!read_whole(r, flag, &v, message)) return ParseOutcome::kUsageError;
    if (v < 1024 || v > (1L << 30)) {
      *message = std::string("--") + flag + " must be between 1024 and 1073741824 bytes";
      return ParseOutcome::kUsageError;
    }
    (std::string_view(flag) == "rcvbuf" ? o->rcvbuf : o->sndbuf) = static_cast<int>(v);
  }
  if (relay) {
    o->fanout = r.count("fanout") > 0;
    if (r["balance"].as<std::string>() != "rr") {
      *message = std::string("--balance: ") + row.name + " balances rr only (or use --fanout)";
      return ParseOutcome::kUsageError;
    }
    for (const net::Address& b : o->upstreams) {
      if (b.family() != o->upstreams.front().family() || b.port() == 0) {
        *message = std::string("-x/--backend: ") + row.name +
                   " backends need one address family and a port";
        return ParseOutcome::kUsageError;
      }
    }
    if (r.count("bind-source")) {
      std::string text = r["bind-source"].as<std::string>();
      net::Address a;
      std::string error;
      // An address without a port: the kernel picks the source port.
      std::string with_port = text.find(':') == std::string::npos || text.front() == '['
                                  ? text + ":0"
                                  : "[" + text + "]:0";
      if (!net::parse_address(with_port, &a, &error)) {
        *message = "--bind-source: " + error;
        return ParseOutcome::kUsageError;
      }
      if (a.family() != o->upstreams.front().family()) {
        *message = "--bind-source must be of the backends' address family";
        return ParseOutcome::kUsageError;
      }
      o->bind_source = a;
    }
  }
  return ParseOutcome::kRun;
}

bool parse_listen_mode(const std::string& text, ListenMode* out) {
  for (ListenMode m : {ListenMode::kReuseport, ListenMode::kCpu, ListenMode::kShared,
                       ListenMode::kSharedExclusive}) {
    if (text == listen_mode_name(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

// Every mode is chosen with --mode; -x without --mode also means proxy, as it always has
// (default_mode). An explicit mode that contradicts -x (http or echo with upstreams, proxy
// without) is a usage error rather than a guess.
bool parse_mode(const cxxopts::ParseResult& r, ServerOptions* o, std::string* message) {
  bool has_upstreams = !o->upstreams.empty();
  std::string mode =
      r.count("mode") ? r["mode"].as<std::string>() : mode_name(default_mode(has_upstreams));
  const ModeRow* row = find_mode_row(mode);
  if (row == nullptr) {
    *message = "--mode must be " + mode_names(built_here, "or") + " (got '" + mode + "')";
    return false;
  }
  o->mode = row->mode;
  if (!name_built_here(row->name)) {
    *message = "--mode " + mode + " is not built on " + platform::kSystemText.name + " yet";
    return false;
  }
  if (r.count("mode") == 0) return true;
  if (row->forwards && !has_upstreams) {
    *message = "--mode " + mode + " needs at least one -x/--backend ip:port";
    return false;
  }
  if (!row->forwards && has_upstreams) {
    Transport transport = row->transport;
    std::string instead = mode_names(
        [transport](const ModeRow& m) { return m.forwards && m.transport == transport; }, "or");
    *message = "--mode " + mode + " does not take -x/--backend (that is --mode " + instead + ")";
    return false;
  }
  return true;
}

// --io: an event loop of this system, or sockmap where a mode built here runs on it.
bool parse_io(const cxxopts::ParseResult& r, ServerOptions* o, std::string* message) {
  std::string io = r["io"].as<std::string>();
  bool sockmap_here = false;
  for (const ModeRow& row : mode_rows()) sockmap_here |= built_here(row) && (row.io & kSockmapIo);
  if (io == "sockmap" && sockmap_here) {
    o->sockmap = true;
    o->io = io::BackendKind::kEpoll;  // the worker's loop: accepts and hang-ups only
  } else if (!io::parse_backend_kind(io, &o->io)) {
    *message = platform::kSystemText.io_mistaken;
    return false;
  }
  IoKinds kinds = o->sockmap ? kSockmapIo : io_kinds_of(o->io);
  if (row_here(o->mode, kinds) != nullptr) return true;
  if (o->sockmap) {
    *message =
        "--io sockmap is only for --mode " +
        mode_names([](const ModeRow& m) { return built_here(m) && (m.io & kSockmapIo); }, "or") +
        " (the kernel moves the bytes; it cannot answer HTTP or forward)";
  } else {
    *message = "--mode " + std::string(mode_name(o->mode)) + " does not run on --io " + io;
  }
  return false;
}

ParseOutcome fill(const cxxopts::ParseResult& r, ServerOptions* o, std::string* message) {
  if (!r.unmatched().empty()) {
    *message = "unexpected argument '" + r.unmatched().front() + "'";
    return ParseOutcome::kUsageError;
  }
  o->workers = proc::online_cpus();
  if (r.count("workers") && !read_int(r, "workers", 1, 1024, &o->workers, message)) {
    return ParseOutcome::kUsageError;
  }
  if (!read_int(r, "start-core", 0, 4095, &o->start_core, message)) {
    return ParseOutcome::kUsageError;
  }
  o->listen.clear();  // parse_addresses appends
  o->upstreams.clear();
  std::vector<std::string> listen = {"0.0.0.0:8080"};
  if (r.count("listen")) listen = r["listen"].as<std::vector<std::string>>();
  if (!parse_addresses(listen, "-a/--listen", &o->listen, message) ||
      !distinct_addresses(o->listen, message)) {
    return ParseOutcome::kUsageError;
  }
  if (r.count("backend") && !parse_addresses(r["backend"].as<std::vector<std::string>>(),
                                             "-x/--backend", &o->upstreams, message)) {
    return ParseOutcome::kUsageError;
  }
  o->log_file = r["log"].as<std::string>();
  if (!log_directory_exists(o->log_file, message)) return ParseOutcome::kUsageError;
  o->join_running = r.count("join-running") > 0;
  o->verbose = r.count("verbose") > 0;
  o->debug = r.count("debug") > 0;
  o->keepalive = r.count("keepalive") > 0;

  if (!parse_mode(r, o, message) || !parse_io(r, o, message)) return ParseOutcome::kUsageError;
  if (ParseOutcome rc = fill_udp(r, o, message); rc != ParseOutcome::kRun) return rc;
  if (o->upstreams.size() > stats::kMaxUpstreams) {
    *message = "-x/--backend: at most " + std::to_string(stats::kMaxUpstreams) + " backends";
    return ParseOutcome::kUsageError;
  }
  if (!read_int(r, "backend-conns", 0, 100000, &o->upstream_conns, message)) {
    return ParseOutcome::kUsageError;
  }
  if (!parse_seconds(r, "backend-timeout", &o->upstream_timeout_ms, message) ||
      !parse_seconds(r, "backend-idle-timeout", &o->upstream_idle_ms, message)) {
    return ParseOutcome::kUsageError;
  }
  std::string balance = r["balance"].as<std::string>();
  if (balance == "rr") {
    o->balance = Balance::kRoundRobin;
  } else if (balance == "least-conn") {
    o->balance = Balance::kLeastConn;
  } else {
    *message = "--balance must be rr or least-conn (got '" + balance + "')";
    return ParseOutcome::kUsageError;
  }
  if (r.count("body-size")) {
    if (!read_whole(r, "body-size", &o->body_size, message)) return ParseOutcome::kUsageError;
    if (o->body_size < 0 || o->body_size > (64L << 20)) {
      *message = "--body-size must be between 0 and 67108864";
      return ParseOutcome::kUsageError;
    }
  }
  if (!parse_seconds(r, "idle-timeout", &o->idle_timeout_ms, message) ||
      !parse_seconds(r, "header-timeout", &o->header_timeout_ms, message) ||
      !parse_seconds(r, "drain-timeout", &o->drain_timeout_ms, message)) {
    return ParseOutcome::kUsageError;
  }
  int max_header = 0;
  if (!read_int(r, "max-header-size", 256, 1 << 20, &max_header, message)) {
    return ParseOutcome::kUsageError;
  }
  o->max_header_bytes = static_cast<uint32_t>(max_header);
  long backlog = 0;
  if (!read_whole(r, "backlog", &backlog, message)) return ParseOutcome::kUsageError;
  if (backlog < 1 || backlog > INT32_MAX) {
    *message = "--backlog must be positive";
    return ParseOutcome::kUsageError;
  }
  o->backlog = static_cast<int>(backlog);
  if (!parse_listen_mode(r["listen-mode"].as<std::string>(), &o->listen_mode)) {
    *message = "--listen-mode must be reuseport, cpu, shared or shared-exclusive (got '" +
               r["listen-mode"].as<std::string>() + "')";
    return ParseOutcome::kUsageError;
  }
  if (r.count("metrics")) {
    net::Address addr;
    std::string error;
    if (!net::parse_address(r["metrics"].as<std::string>(), &addr, &error)) {
      *message = "--metrics: " + error;
      return ParseOutcome::kUsageError;
    }
    o->metrics = addr;
  }
  if (!programmable::fill_target_options(r, &o->target, message)) {
    return ParseOutcome::kUsageError;
  }
  if (o->target.enabled && !mode_row(*o).programmable) {
    *message = "--programmable is for --mode " +
               mode_names([](const ModeRow& m) { return m.programmable; }, "or") + " only";
    return ParseOutcome::kUsageError;
  }
  return ParseOutcome::kRun;
}

}  // namespace

std::vector<std::string> upstream_names(const ServerOptions& o) {
  std::vector<std::string> names;
  for (const net::Address& a : o.upstreams) names.push_back(a.to_string());
  return names;
}

const char* listen_mode_name(ListenMode mode) {
  switch (mode) {
    case ListenMode::kReuseport:
      return "reuseport";
    case ListenMode::kCpu:
      return "cpu";
    case ListenMode::kShared:
      return "shared";
    case ListenMode::kSharedExclusive:
      return "shared-exclusive";
  }
  return "?";
}

bool is_shared_listener(ListenMode mode) {
  return mode == ListenMode::kShared || mode == ListenMode::kSharedExclusive;
}

namespace {

ParseOutcome parse_raw(int argc, char** argv, ServerOptions* out, std::string* message) {
  cxxopts::Options spec = make_spec();
  try {
    cxxopts::ParseResult r = spec.parse(argc, argv);
    if (r.count("help")) {
      *message = spec.help();
      return ParseOutcome::kHelp;
    }
    return fill(r, out, message);
  } catch (const cxxopts::exceptions::exception& e) {
    *message = e.what();
    return ParseOutcome::kUsageError;
  }
}

}  // namespace

ParseOutcome parse_server_options(int argc, char** argv, ServerOptions* out, std::string* message) {
  ParseOutcome outcome = parse_raw(argc, argv, out, message);
  // Errors quote the user's arguments, which may hold any byte: keep them on one line.
  if (outcome == ParseOutcome::kUsageError) *message = util::printable(*message);
  return outcome;
}

}  // namespace percore::server
