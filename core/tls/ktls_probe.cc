#include "core/tls/ktls_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

namespace percore::tls {
namespace {

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

std::string ktls_unavailable_reason() {
  // The ULP attaches only to an established TCP socket, so the probe makes one on loopback.
  Fd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.fd < 0 || client.fd < 0) return errno_text("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 ||
      getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0 ||
      listen(listener.fd, 1) < 0) {
    return errno_text("listen on 127.0.0.1");
  }
  if (connect(client.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    return errno_text("connect to 127.0.0.1");
  }
  Fd server(accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (server.fd < 0) return errno_text("accept");
  if (setsockopt(server.fd, IPPROTO_TCP, TCP_ULP, "tls", 3) < 0) {
    if (errno == ENOENT) {
      return "TCP_ULP \"tls\": no such upper-layer protocol (kernel without CONFIG_TLS, or the "
             "tls module not loaded)";
    }
    return errno_text("TCP_ULP \"tls\"");
  }
  return "";
}

}  // namespace percore::tls
