// A tiny HTTP/1.1 keep-alive target for tests, running on a thread: answers every request with
// 200 "ok", except that once a second it stops answering anything for `stall_ms` (a GC pause, a
// blocked event loop): the case coordinated omission hides. stall_ms 0: never stalls. It keeps
// every request's arrival time (for pacing tests) and can put bytes before each response (a 1xx
// interim response).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace percore::test {

class StallServer {
 public:
  explicit StallServer(int stall_ms, std::string before_response = "");
  ~StallServer();
  StallServer(const StallServer&) = delete;
  StallServer& operator=(const StallServer&) = delete;

  int port() const { return port_; }
  long requests() const { return requests_.load(); }
  // steady_clock nanoseconds at which each request was read, in order.
  std::vector<int64_t> arrivals() {
    std::lock_guard<std::mutex> lock(mu_);
    return arrivals_;
  }

 private:
  void serve();
  int stall_ms_;
  std::string before_response_;
  std::mutex mu_;
  std::vector<int64_t> arrivals_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<long> requests_{0};
  std::thread thread_;
};

}  // namespace percore::test
