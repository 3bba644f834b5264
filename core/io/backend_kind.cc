// Backend names, the same on every system (factory.cc and factory_win.cc differ in which ones
// they accept and build).
#include "core/io/factory.h"

namespace percore::io {

const char* backend_kind_name(BackendKind kind) {
  switch (kind) {
    case BackendKind::kAuto:
      return "auto";
    case BackendKind::kEpoll:
      return "epoll";
    case BackendKind::kUring:
      return "uring";
    case BackendKind::kIocp:
      return "iocp";
  }
  return "?";
}

}  // namespace percore::io
