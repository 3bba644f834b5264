#include "server/platform.h"

namespace percore::server::platform {

const char* help_note() {
  return "";
}

const char* io_help() {
  return "event loop: epoll, uring or auto; sockmap (echo only): echo inside the kernel with BPF";
}

const char* io_default() {
  return "epoll";
}

bool offers_sockmap() {
  return true;
}

const char* io_usage_error() {
  return "--io must be epoll, uring, auto or sockmap";
}

std::string mode_unavailable(ServerMode) {
  return "";
}

}  // namespace percore::server::platform
