#include "server/platform.h"

namespace percore::server::platform {

const char* help_note() {
  return ". On Windows the workers are pinned threads of one process, each with its own I/O "
         "completion port, sharing one listener per address (Windows has no SO_REUSEPORT); "
         "modes http, echo and udp-echo are built here, proxy and udp-relay may come later.";
}

const char* io_help() {
  return "event loop: iocp (the only one on Windows; auto means iocp)";
}

const char* io_default() {
  return "iocp";
}

bool offers_sockmap() {
  return false;
}

const char* io_usage_error() {
  return "--io must be iocp on Windows (epoll, uring and sockmap are Linux event loops)";
}

std::string mode_unavailable(ServerMode mode) {
  if (mode == ServerMode::kProxy || mode == ServerMode::kUdpRelay) {
    return std::string("--mode ") + mode_name(mode) + " is not built on Windows yet";
  }
  return "";
}

}  // namespace percore::server::platform
