// The stalling target: one poll() loop, so a sleep in it stalls every connection at once.
#include "tests/support/stall_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/loopback_listener.h"
#include "tests/support/process.h"

namespace percore::test {

StallServer::StallServer(int stall_ms, std::string before_response)
    : stall_ms_(stall_ms), before_response_(std::move(before_response)) {
  listen_fd_ = listen_loopback_tcp(0, 128, SOCK_CLOEXEC, &port_);
  if (listen_fd_ < 0) return;
  thread_ = std::thread([this] { serve(); });
}

StallServer::~StallServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void StallServer::serve() {
  static const std::string kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
  std::vector<std::string> pending = {""};
  int64_t next_stall = now_ms() + 1000;
  char buf[16384];
  while (!stop_) {
    if (stall_ms_ > 0 && now_ms() >= next_stall) {
      usleep(static_cast<useconds_t>(stall_ms_) * 1000);
      next_stall += 1000;
    }
    if (poll(fds.data(), fds.size(), 10) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        fds.push_back({c, POLLIN, 0});
        pending.emplace_back();
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = recv(fds[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        continue;
      }
      int64_t arrived = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
      pending[i].append(buf, static_cast<size_t>(n));
      std::string out;
      size_t end;
      while ((end = pending[i].find("\r\n\r\n")) != std::string::npos) {
        pending[i].erase(0, end + 4);
        out += before_response_ + kResponse;
        ++requests_;
        std::lock_guard<std::mutex> lock(mu_);
        arrivals_.push_back(arrived);
      }
      if (!out.empty()) send(fds[i].fd, out.data(), out.size(), MSG_NOSIGNAL);
    }
    for (size_t i = fds.size(); i-- > 1;) {
      if (fds[i].fd < 0) {
        fds.erase(fds.begin() + static_cast<long>(i));
        pending.erase(pending.begin() + static_cast<long>(i));
      }
    }
  }
  for (size_t i = 1; i < fds.size(); ++i) close(fds[i].fd);
}

}  // namespace percore::test
