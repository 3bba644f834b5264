// Windows: IOCP is the only backend; epoll and uring are usage errors there.
#include "core/io/factory.h"
#include "core/io/iocp_backend.h"

namespace percore::io {

bool parse_backend_kind(std::string_view text, BackendKind* out) {
  if (text == "iocp" || text == "auto") {
    *out = BackendKind::kIocp;
    return true;
  }
  return false;
}

const char* backend_choices() {
  return "auto or iocp";
}

std::string uring_unavailable_reason() {
  return "io_uring is a Linux interface";
}

BackendKind resolve_backend_kind(BackendKind, std::string*, std::string*) {
  return BackendKind::kIocp;
}

std::unique_ptr<Backend> make_backend(BackendKind kind, std::string* error, Traffic) {
  if (kind == BackendKind::kIocp || kind == BackendKind::kAuto) return make_iocp_backend(error);
  *error = std::string("the ") + backend_kind_name(kind) + " backend is Linux-only";
  return nullptr;
}

}  // namespace percore::io
