#include "server/platform.h"

namespace percore::server::platform {

const char* help_note() {
  return ". On Windows the workers are pinned threads of one process, each with its own I/O "
         "completion port, sharing one listener per address (Windows has no SO_REUSEPORT)";
}

const char* io_help() {
  return "event loop: iocp (the only one on Windows; auto means iocp)";
}

const char* io_default() {
  return "iocp";
}

const char* io_usage_error() {
  return "--io must be iocp on Windows (epoll, uring and sockmap are Linux event loops)";
}

const char* system_name() {
  return "Windows";
}

}  // namespace percore::server::platform
