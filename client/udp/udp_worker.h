// One `client udp` thread: its own backend and -k datagram sockets, each connected to the target
// from its own ephemeral port (5-tuple entropy for the server's SO_REUSEPORT spread). It sends
// sequence-numbered datagrams at its share of -R (or as fast as the backend takes them) and
// matches what comes back; in sink mode it only receives, on sockets bound to the target.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/run/rate_scheduler.h"
#include "client/udp/udp_options.h"
#include "client/udp/udp_stats.h"
#include "client/udp/udp_tracker.h"
#include "core/io/backend.h"

namespace percore::client {

struct UdpPlan {
  int index = 0;
  int cpu = -1;
  int sockets = 1;            // this thread's share of the client's sockets
  uint32_t first_stream = 0;  // the stream number of its first socket
  double rate = 0;            // the whole run's -R (the threads share one grid); 0: unpaced
  int rate_stride = 1;        // -R: the number of threads on the grid; this one is `index`
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  io::BackendKind backend = io::BackendKind::kEpoll;
};

class UdpWorker {
 public:
  UdpWorker(const UdpOptions& options, UdpPlan plan, const std::atomic<bool>* stop);
  UdpWorker(const UdpWorker&) = delete;
  UdpWorker& operator=(const UdpWorker&) = delete;

  // The thread body; false with *error when the sockets or the backend cannot be set up.
  bool run(std::string* error);
  bool done() const { return done_.load(std::memory_order_acquire); }
  void copy_published(UdpStats* out);
  // Only after the thread has finished.
  const UdpStats& stats() const { return stats_; }

 private:
  struct Sock {
    int fd = -1;
    uint32_t stream = 0;
    uint64_t next_counter = 0;
    SeqTracker tracker;
  };

  bool open_sockets(std::string* error);
  void send_due(int64_t now);
  bool send_one(Sock& s, int64_t now);
  void on_completion(const io::Completion& c, int64_t now);
  void on_datagram(Sock& s, const char* data, uint32_t len, int64_t now);
  void on_sink_datagram(const char* data, uint32_t len, int64_t now);
  // A valid datagram of `tracker`'s stream: duplicate, too old, reordered or new, and its time.
  void count_valid(SeqTracker& tracker, uint64_t seq, int64_t sent_ns, int64_t now);
  int64_t wait_us(int64_t now) const;
  void finish();
  void publish();

  const UdpOptions& options_;
  const UdpPlan plan_;
  const std::atomic<bool>* stop_;
  std::unique_ptr<io::Backend> backend_;
  std::vector<Sock> socks_;
  std::unordered_map<uint32_t, SeqTracker> sink_streams_;
  std::vector<char> scratch_;
  RateScheduler schedule_;
  uint64_t next_k_ = 0;  // -R: the next datagram of the schedule
  size_t next_sock_ = 0;
  bool sending_ = true;
  UdpStats stats_;
  std::mutex published_mu_;
  UdpStats published_;
  int64_t last_publish_ns_ = 0;
  std::atomic<bool> done_{false};
};

}  // namespace percore::client
