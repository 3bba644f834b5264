#include "core/io/factory.h"

#include <cstdlib>

#include "core/io/epoll_backend.h"
#include "core/io/uring_backend.h"

namespace percore::io {

bool parse_backend_kind(std::string_view text, BackendKind* out) {
  if (text == "auto") {
    *out = BackendKind::kAuto;
  } else if (text == "epoll") {
    *out = BackendKind::kEpoll;
  } else if (text == "uring" || text == "io_uring") {
    *out = BackendKind::kUring;
  } else {
    return false;
  }
  return true;
}

const char* backend_choices() {
  return "auto, epoll or uring";
}

std::string uring_unavailable_reason() {
  // PERCORE_NO_URING=1 makes io_uring look unavailable (tests, or ruling io_uring out in the
  // field).
  const char* off = std::getenv("PERCORE_NO_URING");
  if (off != nullptr && *off != '\0' && std::string_view(off) != "0") {
    return "disabled by PERCORE_NO_URING";
  }
  static const std::string reason = probe_uring();
  return reason;
}

BackendKind resolve_backend_kind(BackendKind requested, std::string* note, std::string* error) {
  const char* forced = std::getenv("PERCORE_IO");
  if (forced != nullptr && std::string_view(forced) == "epoll") {
    if (requested != BackendKind::kEpoll) *note = "PERCORE_IO=epoll forces the epoll backend";
    return BackendKind::kEpoll;
  }
  if (requested == BackendKind::kEpoll) return BackendKind::kEpoll;
  std::string why = uring_unavailable_reason();
  if (why.empty()) return BackendKind::kUring;
  if (requested == BackendKind::kUring) {
    *error = "--io uring: " + why;
    return BackendKind::kAuto;
  }
  *note = "io_uring unavailable (" + why + "); using epoll";
  return BackendKind::kEpoll;
}

std::unique_ptr<Backend> make_backend(BackendKind kind, std::string* error, Traffic traffic) {
  switch (kind) {
    case BackendKind::kEpoll:
      return make_epoll_backend(error);
    case BackendKind::kUring: {
      UringOptions o = uring_options_from_env(uring_defaults_for(traffic), error);
      if (!error->empty()) return nullptr;
      return make_uring_backend(o, error);
    }
    case BackendKind::kAuto:
    case BackendKind::kIocp:
      break;
  }
  *error = "no backend of kind " + std::string(backend_kind_name(kind));
  return nullptr;
}

}  // namespace percore::io
