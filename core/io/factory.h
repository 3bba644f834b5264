// Chooses and builds the event-loop backend for one worker. The only code that names the
// concrete backends lives in factory.cc.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/io/backend.h"
#include "core/io/traffic.h"

namespace percore::io {

// kIocp is the Windows backend (factory_win.cc); Linux builds never produce it.
enum class BackendKind { kAuto, kEpoll, kUring, kIocp };

// Parses "auto", "epoll" or "uring" (Windows: "auto" or "iocp"); returns false for anything else.
bool parse_backend_kind(std::string_view text, BackendKind* out);
// What parse_backend_kind() accepts on this system, for help and error text ("auto, epoll or
// uring").
const char* backend_choices();
const char* backend_kind_name(BackendKind kind);

// Returns an empty string when io_uring offers everything the uring backend needs here, else a
// one-line reason (kernel too old, blocked by seccomp, memlock too low ...).
std::string uring_unavailable_reason();

// Resolves kAuto (and the PERCORE_IO environment override) to a concrete kind. For kAuto that
// falls back to epoll, *note receives the reason. For an explicit kUring that cannot work,
// returns kAuto and *error receives the reason.
BackendKind resolve_backend_kind(BackendKind requested, std::string* note, std::string* error);

// Builds a backend of a concrete kind (after pinning, in the thread that will use it).
// Returns nullptr and sets *error on failure.
std::unique_ptr<Backend> make_backend(BackendKind kind, std::string* error,
                                      Traffic traffic = Traffic::kRequests);

}  // namespace percore::io
