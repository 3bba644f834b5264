#include <windows.h>

#include <cerrno>

#include "server/worker_platform.h"

namespace percore::server::platform {

int32_t worker_id() {
  return static_cast<int32_t>(GetCurrentThreadId());
}

const char* worker_id_kind() {
  return "thread";
}

int open_worker_socket(const ServerOptions&, Transport, size_t, int) {
  return -ENOSYS;  // master_win.cc opens every socket
}

}  // namespace percore::server::platform
