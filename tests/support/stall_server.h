// A tiny HTTP/1.1 keep-alive target for tests, running on a thread: answers every request with
// 200 "ok", except that once a second it stops answering anything for `stall_ms` (a GC pause, a
// blocked event loop): the case coordinated omission hides.
#pragma once

#include <atomic>
#include <thread>

namespace percore::test {

class StallServer {
 public:
  explicit StallServer(int stall_ms);
  ~StallServer();
  StallServer(const StallServer&) = delete;
  StallServer& operator=(const StallServer&) = delete;

  int port() const { return port_; }
  long requests() const { return requests_.load(); }

 private:
  void serve();
  int stall_ms_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<long> requests_{0};
  std::thread thread_;
};

}  // namespace percore::test
