// A tiny raw-socket HTTP upstream for proxy tests, running on threads inside the test: it records
// every byte it receives and answers by path (/echo echoes the body, /chunked, /close (read until
// close), /204, /204-length and /204-chunked (a 204 with framing headers), /304 (with the
// Content-Length of a representation), /drop (closes unanswered), /malformed, anything else a short
// 200). Kind kSilent is a listener that never accepts: an upstream that takes connections but never
// answers. ("Backend" in this tree's code means the event loop: tests/support/backend_test.h.)
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace percore::test {

class TestUpstream {
 public:
  enum class Kind { kAnswer, kSilent };
  explicit TestUpstream(Kind kind = Kind::kAnswer, int port = 0);
  ~TestUpstream();
  TestUpstream(const TestUpstream&) = delete;
  TestUpstream& operator=(const TestUpstream&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Everything received so far, over all connections, in arrival order per read.
  std::string received();
  size_t requests() const { return requests_.load(); }
  size_t connections() const { return connections_.load(); }
  // Closes idle keep-alive connections (as an upstream's own idle timeout would).
  void close_idle_connections();
  void stop();

 private:
  void accept_loop();
  void serve(int fd);

  Kind kind_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> requests_{0};
  std::atomic<size_t> connections_{0};
  std::mutex mu_;
  std::string received_;
  std::vector<int> conn_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace percore::test
