#include "client/udp/udp_worker.h"

#include <errno.h>
#include <string.h>

#include <cstring>

#include "client/udp/udp_packet.h"
#include "client/udp/udp_socket.h"
#include "core/io/factory.h"
#include "core/net/socket.h"
#include "core/net/sys.h"
#include "core/proc/affinity.h"
#include "core/util/clock.h"

namespace percore::client {
namespace {

constexpr int kMaxCompletions = 512;
// As fast as possible: datagrams queued per socket per loop turn (one GSO run's worth).
constexpr int kBurstPerSocket = 64;
// -R: most datagrams sent per loop turn, so receiving keeps up while catching up.
constexpr uint64_t kMaxDuePerTurn = 1024;
constexpr int64_t kMaxWaitUs = 100'000;

bool is_probe(const char* data, uint32_t len) {
  uint64_t seq = 0;
  int64_t sent_ns = 0;
  return len == kUdpHeaderBytes &&
         read_datagram(data, len, len, &seq, &sent_ns) == DatagramCheck::kOk &&
         seq_stream(seq) == kProbeStream;
}

}  // namespace

UdpWorker::UdpWorker(const UdpOptions& options, UdpPlan plan, const std::atomic<bool>* stop)
    : options_(options), plan_(plan), stop_(stop) {}

void UdpWorker::copy_published(UdpStats* out) {
  std::lock_guard<std::mutex> lock(published_mu_);
  *out = published_;
}

void UdpWorker::publish() {
  std::lock_guard<std::mutex> lock(published_mu_);
  published_ = stats_;
}

bool UdpWorker::open_sockets(std::string* error) {
  socks_.resize(static_cast<size_t>(plan_.sockets));
  for (size_t i = 0; i < socks_.size(); ++i) {
    Sock& s = socks_[i];
    s.stream = plan_.first_stream + static_cast<uint32_t>(i);
    int fd =
        options_.sink ? net::bind_udp_reuseport(options_.target) : open_udp_socket(options_.target);
    if (fd < 0) {
      int err = -fd;
      *error = std::string(options_.sink ? "cannot bind " : "cannot open a socket for ") +
               options_.target.to_string() + ": " + strerror(err);
      return false;
    }
    int rc = net::set_udp_buffers(fd, options_.rcvbuf, options_.sndbuf);
    if (rc == 0 && !options_.sink) rc = connect_udp_socket(fd, options_.target);
    if (rc == 0) rc = backend_->open_datagram(fd, i);
    if (rc < 0) {
      net::close_socket(fd);
      *error = "udp socket to " + options_.target.to_string() + ": " + strerror(-rc);
      return false;
    }
    s.fd = fd;
  }
  return true;
}

bool UdpWorker::run(std::string* error) {
  if (plan_.cpu >= 0) proc::pin_to_cpu(plan_.cpu);
  backend_ = io::make_backend(plan_.backend, error);
  if (!backend_ || !open_sockets(error)) {
    backend_.reset();
    done_.store(true, std::memory_order_release);
    return false;
  }
  scratch_.resize(options_.length > 0 ? options_.length : 1);
  if (plan_.rate > 0) {
    schedule_ = RateScheduler(plan_.start_ns, plan_.rate, plan_.index, plan_.rate_stride);
  }
  sending_ = !options_.sink;
  io::Completion comps[kMaxCompletions];
  int64_t now = util::now_ns();
  int64_t tail_end = INT64_MAX;
  for (;;) {
    bool stopped = stop_->load(std::memory_order_relaxed);
    // Under -R the datagrams due before the end still go out when the loop runs a little behind
    // (up to --timeout); only what is left after that counts as not sent.
    bool behind = schedule_.active() && next_k_ < schedule_.due_by(plan_.end_ns - 1) &&
                  now < plan_.end_ns + options_.timeout_ns;
    if (sending_ && ((now >= plan_.end_ns && !behind) || stopped)) {
      sending_ = false;
      if (schedule_.active()) {
        stats_.planned = schedule_.due_by(plan_.end_ns - 1);
        stats_.not_sent = stats_.planned > next_k_ ? stats_.planned - next_k_ : 0;
      }
    }
    if (options_.sink && (now >= plan_.end_ns || stopped)) break;
    if (!sending_ && !options_.sink) {
      if (tail_end == INT64_MAX) tail_end = now + options_.timeout_ns;
      // Every answer is in once the unique count matches what was sent (later completions of
      // the last sends arrive within a turn or two).
      bool all_back = stats_.unique + stats_.malformed >= stats_.sent && stats_.sent > 0;
      if (now >= tail_end || (all_back && options_.length >= kUdpHeaderBytes) || stopped) break;
    }
    if (sending_) send_due(now);
    int n = backend_->wait(comps, kMaxCompletions, wait_us(now));
    now = util::now_ns();
    for (int i = 0; i < n; ++i) on_completion(comps[i], now);
    if (now - last_publish_ns_ >= util::kNsPerSec / 4) {
      last_publish_ns_ = now;
      publish();
    }
  }
  // Completions of the last sends.
  for (int round = 0; round < 3; ++round) {
    int n = backend_->wait(comps, kMaxCompletions, 0);
    for (int i = 0; i < n; ++i) on_completion(comps[i], now);
  }
  finish();
  publish();
  done_.store(true, std::memory_order_release);
  return true;
}

int64_t UdpWorker::wait_us(int64_t now) const {
  if (!sending_) return kMaxWaitUs;
  if (!schedule_.active()) return 0;
  int64_t due = schedule_.intended_ns(next_k_);
  if (due <= now) return 0;
  int64_t us = (due - now) / 1000;
  return us < kMaxWaitUs ? us : kMaxWaitUs;
}

void UdpWorker::send_due(int64_t now) {
  if (!schedule_.active()) {
    for (Sock& s : socks_) {
      for (int i = 0; i < kBurstPerSocket; ++i) {
        if (!send_one(s, now)) return;
      }
    }
    return;
  }
  uint64_t due = schedule_.due_by(now < plan_.end_ns ? now : plan_.end_ns - 1);
  uint64_t limit = next_k_ + kMaxDuePerTurn;
  while (next_k_ < due && next_k_ < limit) {
    Sock& s = socks_[next_sock_];
    if (!send_one(s, now)) return;  // the backend's queue is full: the rest stay due
    ++next_k_;
    next_sock_ = next_sock_ + 1 == socks_.size() ? 0 : next_sock_ + 1;
  }
}

bool UdpWorker::send_one(Sock& s, int64_t now) {
  uint32_t len = options_.length;
  if (len >= kUdpHeaderBytes) {
    write_datagram(scratch_.data(), len, make_seq(s.stream, s.next_counter), now);
  }
  io::OutDatagram d{scratch_.data(), len, nullptr, 0};
  if (backend_->send_datagrams(s.fd, &d, 1) != 1) return false;
  ++s.next_counter;
  return true;
}

void UdpWorker::on_completion(const io::Completion& c, int64_t now) {
  if (c.token >= socks_.size()) return;
  Sock& s = socks_[c.token];
  if (c.op == io::Op::kSendTo) {
    if (c.result > 0) {
      stats_.sent += static_cast<uint64_t>(c.result);
      stats_.sent_bytes += uint64_t{options_.length} * static_cast<uint64_t>(c.result);
    } else {
      stats_.add_send_error(-c.result, c.count);
    }
    return;
  }
  if (c.op != io::Op::kRecvFrom) return;
  if (c.result < 0) {
    stats_.add_recv_error(-c.result);
    return;
  }
  io::for_each_datagram(c, [&](const char* data, uint32_t len) {
    if (options_.sink && is_probe(data, len)) return;  // a sender's pre-run check
    ++stats_.received;
    stats_.received_bytes += len;
    if (options_.sink) {
      on_sink_datagram(data, len, now);
    } else {
      on_datagram(s, data, len, now);
    }
  });
}

void UdpWorker::on_datagram(Sock& s, const char* data, uint32_t len, int64_t now) {
  if (options_.length < kUdpHeaderBytes) {
    // Too short to carry the header: only sizes and counts can be checked.
    if (len != options_.length) {
      ++stats_.malformed;
    } else {
      ++stats_.unique;
    }
    return;
  }
  uint64_t seq = 0;
  int64_t sent_ns = 0;
  DatagramCheck check = read_datagram(data, len, options_.length, &seq, &sent_ns);
  if (check == DatagramCheck::kMalformed || seq_stream(seq) != s.stream) {
    ++stats_.malformed;
    return;
  }
  if (check == DatagramCheck::kCorrupt) {
    ++stats_.corrupt;
    return;
  }
  count_valid(s.tracker, seq, sent_ns, now);
}

void UdpWorker::on_sink_datagram(const char* data, uint32_t len, int64_t now) {
  uint64_t seq = 0;
  int64_t sent_ns = 0;
  if (read_datagram(data, len, len, &seq, &sent_ns) != DatagramCheck::kOk) {
    ++(len < kUdpHeaderBytes ? stats_.malformed : stats_.corrupt);
    return;
  }
  // A new sender stream costs one tracker, once: not per datagram.
  count_valid(sink_streams_[seq_stream(seq)], seq, sent_ns, now);
}

void UdpWorker::count_valid(SeqTracker& tracker, uint64_t seq, int64_t sent_ns, int64_t now) {
  switch (tracker.record(seq_counter(seq))) {
    case SeqTracker::Seen::kDuplicate:
      ++stats_.duplicated;
      return;
    case SeqTracker::Seen::kTooOld:
      ++stats_.too_old;
      ++stats_.late;
      return;
    case SeqTracker::Seen::kReordered:
      ++stats_.reordered;
      break;
    case SeqTracker::Seen::kNew:
      break;
  }
  ++stats_.unique;
  // Round trip, or in sink mode the one-way transit (sender and sink share the clock).
  int64_t elapsed = now - sent_ns;
  if (elapsed > options_.timeout_ns) ++stats_.late;
  stats_.rtt.record(elapsed > 0 ? elapsed : 0);
}

void UdpWorker::finish() {
  if (options_.sink) {
    for (const auto& [stream, t] : sink_streams_) stats_.lost += t.span() - t.unique();
  } else {
    stats_.lost = stats_.sent > stats_.unique ? stats_.sent - stats_.unique : 0;
  }
  stats_.kernel_drops = backend_->datagram_stats().kernel_drops;
  backend_.reset();  // closes the sockets
}

}  // namespace percore::client
