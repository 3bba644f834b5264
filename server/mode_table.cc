#include "server/mode_table.h"

#include <vector>

#include "server/http_server.h"
#include "server/mode.h"
#include "server/sockmap_mode.h"
#include "server/tcp_echo.h"
#include "server/udp_echo.h"
#ifndef _WIN32
#include "server/proxy/http_proxy.h"
#include "server/udp_relay.h"
#else
namespace percore::server {
class HttpProxy;
class UdpRelay;
}  // namespace percore::server
#endif

namespace percore::server {
namespace {

// The factory of a mode class. On a system outside kBuiltOn the class is not compiled, so
// nothing here may name its constructor.
template <class M, Systems kBuiltOn>
std::unique_ptr<Mode> make(WorkerContext& ctx, std::string* error) {
  if constexpr ((kBuiltOn & kThisSystem) != 0) {
    (void)error;
    return std::make_unique<M>(ctx);
  } else {
    (void)ctx;
    *error = "this mode is not built on this system";
    return nullptr;
  }
}

// A row whose class is M, built on kBuiltOn: the one place that says both.
template <class M, Systems kBuiltOn = kEverySystem>
constexpr ModeRow built(ModeRow row) {
  row.systems = kBuiltOn;
  row.make = &make<M, kBuiltOn>;
  return row;
}

std::string sockmap_check() {
  std::string why = sockmap_unavailable_reason();
  return why.empty() ? why : "--io sockmap: " + why;
}

const ModeRow kRows[] = {
    built<HttpServer>({.name = "http",
                       .about = "answers HTTP requests",
                       .mode = ServerMode::kHttp,
                       .programmable = true}),
    built<HttpProxy, kLinux>({.name = "proxy",
                              .about = "forwards HTTP requests to the -x backends",
                              .mode = ServerMode::kProxy,
                              .forwards = true}),
    built<TcpEcho>({.name = "echo",
                    .about = "returns every byte to its connection",
                    .mode = ServerMode::kEcho,
                    .traffic = io::Traffic::kStreams}),
    // The same echo done by a BPF program (server/sockmap/); the worker's epoll loop only
    // accepts and watches for hang-ups.
    {.name = "echo",
     .mode = ServerMode::kEcho,
     .io = kSockmapIo,
     .traffic = io::Traffic::kStreams,
     .unavailable = sockmap_check,
     .systems = kLinux,
     .make = make_sockmap_echo},
    built<UdpEcho>({.name = "udp-echo",
                    .about = "returns every datagram to its sender",
                    .mode = ServerMode::kUdpEcho,
                    .transport = Transport::kDatagram}),
    built<UdpRelay, kLinux>({.name = "udp-relay",
                             .about = "forwards every datagram to the -x backends and does not "
                                      "route their replies back (a relay, not a NAT)",
                             .mode = ServerMode::kUdpRelay,
                             .transport = Transport::kDatagram,
                             .forwards = true}),
};

}  // namespace

std::span<const ModeRow> mode_rows() {
  return kRows;
}

const ModeRow* find_mode_row(ServerMode mode, IoKinds io) {
  for (const ModeRow& row : kRows) {
    if (row.mode == mode && (row.io & io) != 0) return &row;
  }
  return nullptr;
}

const ModeRow* find_mode_row(std::string_view name) {
  for (const ModeRow& row : kRows) {
    if (name == row.name) return &row;
  }
  return nullptr;
}

const ModeRow& mode_row(const ServerOptions& options) {
  IoKinds io = options.sockmap ? kSockmapIo : io_kinds_of(options.io);
  if (const ModeRow* row = find_mode_row(options.mode, io)) return *row;
  return *find_mode_row(options.mode, ~IoKinds{0});
}

IoKinds io_kinds_of(io::BackendKind kind) {
  switch (kind) {
    case io::BackendKind::kEpoll:
      return kEpollIo;
    case io::BackendKind::kUring:
      return kUringIo;
    case io::BackendKind::kIocp:
      return kIocpIo;
    case io::BackendKind::kAuto:
      break;
  }
  return kEventLoops;
}

std::unique_ptr<Mode> make_mode(WorkerContext& ctx, std::string* error) {
  std::string ignored;
  return mode_row(*ctx.options).make(ctx, error != nullptr ? error : &ignored);
}

const char* mode_name(ServerMode mode) {
  const ModeRow* row = find_mode_row(mode, ~IoKinds{0});
  return row != nullptr ? row->name : "?";
}

const char* io_name(const ServerOptions& options, io::BackendKind loop) {
  return options.sockmap ? "sockmap" : io::backend_kind_name(loop);
}

ServerMode default_mode(bool has_upstreams) {
  for (const ModeRow& row : kRows) {
    if (row.forwards == has_upstreams && row.transport == Transport::kStream) return row.mode;
  }
  return kRows[0].mode;
}

std::string mode_names(const std::function<bool(const ModeRow&)>& keep, const char* last) {
  std::vector<const char*> names;
  for (const ModeRow& row : kRows) {
    if (!keep(row)) continue;
    bool seen = false;
    for (const char* n : names) seen |= std::string_view(n) == row.name;
    if (!seen) names.push_back(row.name);
  }
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? std::string(" ") + last + " " : ", ";
    text += names[i];
  }
  return text;
}

}  // namespace percore::server
