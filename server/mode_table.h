// The server's modes, one row each: the only place that knows a mode's name, its transport,
// whether it forwards to -x upstreams, the I/O it runs on, the systems it is built on and the
// class that implements it. Flag parsing, --help, the worker, the master and its statistics all
// read these rows, so a new mode is one row in mode_table.cc and its class.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/io/factory.h"

namespace percore::server {

class Mode;
struct WorkerContext;
struct ServerOptions;

enum class ServerMode { kHttp, kProxy, kEcho, kUdpEcho, kUdpRelay };

// What the listen addresses carry: connections (TCP listeners) or datagrams (UDP sockets).
enum class Transport { kStream, kDatagram };

// The I/O a mode can run on, as a set of bits: the event loops of core/io, and sockmap, where a
// BPF program moves the bytes inside the kernel and the worker's loop only accepts.
using IoKinds = unsigned;
inline constexpr IoKinds kEpollIo = 1u << 0;
inline constexpr IoKinds kUringIo = 1u << 1;
inline constexpr IoKinds kIocpIo = 1u << 2;
inline constexpr IoKinds kSockmapIo = 1u << 3;
inline constexpr IoKinds kEventLoops = kEpollIo | kUringIo | kIocpIo;

// The systems a mode is built on.
using Systems = unsigned;
inline constexpr Systems kLinux = 1u << 0;
inline constexpr Systems kWindows = 1u << 1;
inline constexpr Systems kEverySystem = kLinux | kWindows;
#ifdef _WIN32
inline constexpr Systems kThisSystem = kWindows;
#else
inline constexpr Systems kThisSystem = kLinux;
#endif

// Builds one worker's mode, or returns nullptr with *error set.
using ModeFactory = std::unique_ptr<Mode> (*)(WorkerContext& ctx, std::string* error);
// Why a mode cannot run on this machine (checked once by the master, before any worker
// starts), or empty.
using ModeCheck = std::string (*)();

struct ModeRow {
  const char* name = "";   // --mode; two rows may share it when they differ in `io`
  const char* about = "";  // for --help: what the mode does, after its name
  ServerMode mode = ServerMode::kHttp;
  Transport transport = Transport::kStream;
  bool forwards = false;  // needs -x upstreams, and takes them only then
  IoKinds io = kEventLoops;
  io::Traffic traffic = io::Traffic::kRequests;  // what the event loop is tuned for
  bool programmable = false;                     // takes --programmable
  ModeCheck unavailable = nullptr;
  Systems systems = kEverySystem;
  ModeFactory make = nullptr;
};

// Every row, in --help order.
std::span<const ModeRow> mode_rows();

// The row for a mode on the given I/O (a kind from IoKinds; an `auto` event loop is all of
// kEventLoops), or nullptr.
const ModeRow* find_mode_row(ServerMode mode, IoKinds io);
// The row the options chose. Options that passed parse_server_options always have one; for
// hand-made options (tests) a mode's first row stands in.
const ModeRow& mode_row(const ServerOptions& options);
// The row named on the command line (any I/O), or nullptr.
const ModeRow* find_mode_row(std::string_view name);

// The I/O kind of a backend (kAuto: every event loop).
IoKinds io_kinds_of(io::BackendKind kind);

const char* mode_name(ServerMode mode);
// The I/O the workers run on, as the ready line names it: sockmap, or the resolved event loop.
const char* io_name(const ServerOptions& options, io::BackendKind loop);
// -x without --mode means the forwarding mode over connections, as it always has; else the
// first row.
ServerMode default_mode(bool has_upstreams);

// Names of the rows (each name once) that `keep` accepts, joined as "a, b or c"; `last` is the
// final joining word ("or", "and").
std::string mode_names(const std::function<bool(const ModeRow&)>& keep, const char* last);

}  // namespace percore::server
