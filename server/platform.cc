#include "server/platform.h"

namespace percore::server::platform {

const char* help_note() {
  return "";
}

const char* io_help() {
  return "event loop: epoll, uring or auto";
}

const char* io_default() {
  return "epoll";
}

const char* io_usage_error() {
  return "--io must be epoll, uring, auto or sockmap";
}

const char* system_name() {
  return "Linux";
}

}  // namespace percore::server::platform
