#include "tests/support/udp_helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "tests/support/server_process.h"

namespace percore::test {

int udp_loopback_socket(int port, int timeout_ms, int* bound_port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
    close(fd);
    return -1;
  }
  if (bound_port != nullptr) *bound_port = ntohs(a.sin_port);
  if (port > 0) {
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

long long metric_sum(const std::string& metrics_text, const std::string& name,
                     const std::string& label_filter) {
  std::istringstream in(metrics_text);
  std::string line;
  long long sum = -1;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    if (!label_filter.empty() && line.find(label_filter) == std::string::npos) continue;
    size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    if (sum < 0) sum = 0;
    sum += std::atoll(line.c_str() + space + 1);
  }
  return sum;
}

long long await_metric(const ServerProcess& s, const std::string& name, long long want,
                       const std::string& label_filter) {
  long long v = -1;
  for (int i = 0; i < 100; ++i) {
    v = metric_sum(s.metrics(), name, label_filter);
    if (v >= want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return v;
}

}  // namespace percore::test
