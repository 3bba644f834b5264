#include "client/udp_run.h"

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "client/udp_worker.h"
#include "core/proc/affinity.h"
#include "core/util/clock.h"

namespace percore::client {
namespace {

// Below this share of the planned datagrams, the run did not measure the asked-for load.
constexpr double kKeptRate = 0.99;

void progress(const std::vector<std::unique_ptr<UdpWorker>>& workers, const UdpOptions& o,
              UdpStats* last, double secs, int64_t since_start_ns) {
  UdpStats now;
  for (const auto& w : workers) {
    UdpStats s;
    w->copy_published(&s);
    now.merge(s);
  }
  fmt::print(stderr, "udp {:>5.1f}s  sent {:>9.0f}/s  received {:>9.0f}/s  lost so far {}\n",
             static_cast<double>(since_start_ns) / 1e9,
             static_cast<double>(now.sent - last->sent) / secs,
             static_cast<double>(now.received - last->received) / secs,
             o.sink ? 0 : (now.sent > now.unique ? now.sent - now.unique : 0));
  *last = now;
}

}  // namespace

bool run_udp(const UdpOptions& o, const std::atomic<bool>* stop, UdpResult* result,
             std::string* error) {
  std::string note;
  io::BackendKind kind = io::resolve_backend_kind(o.io, &note, error);
  if (kind == io::BackendKind::kAuto) return false;
  if (!note.empty() && !o.quiet) fmt::print(stderr, "client: {}\n", note);
  std::vector<int> allowed = proc::allowed_cpus();
  int64_t start = util::now_ns() + 20 * util::kNsPerMs;  // after every thread has its sockets
  std::vector<std::unique_ptr<UdpWorker>> workers;
  for (int i = 0; i < o.threads; ++i) {
    UdpPlan p;
    p.index = i;
    bool wrapped = false;
    p.cpu = o.pin ? proc::core_for_worker(allowed, o.start_core, i, &wrapped) : -1;
    p.rate = o.rate / o.threads;
    p.start_ns = start;
    p.end_ns = start + o.duration_ns;
    p.backend = kind;
    workers.push_back(std::make_unique<UdpWorker>(o, p, stop));
  }
  std::vector<std::string> errors(workers.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < workers.size(); ++i) {
    threads.emplace_back([&, i] { workers[i]->run(&errors[i]); });
  }
  UdpStats last;
  int64_t last_ns = start;
  for (;;) {
    bool all_done = true;
    for (const auto& w : workers) all_done = all_done && w->done();
    if (all_done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    int64_t now = util::now_ns();
    if (!o.quiet && now - last_ns >= util::kNsPerSec) {
      progress(workers, o, &last, static_cast<double>(now - last_ns) / 1e9, now - start);
      last_ns = now;
    }
  }
  for (auto& t : threads) t.join();
  for (const std::string& e : errors) {
    if (!e.empty()) {
      *error = e;
      return false;
    }
  }
  int64_t end = util::now_ns();
  result->options = o;
  result->backend = io::backend_kind_name(kind);
  for (const auto& w : workers) result->stats.merge(w->stats());
  // Rates over the sending time (the tail wait for late answers is not load).
  int64_t measured = std::min(end - start, o.duration_ns);
  result->elapsed_s = static_cast<double>(measured > 0 ? measured : 1) / 1e9;
  const UdpStats& s = result->stats;
  if (!o.sink && o.rate > 0 && s.planned > 0 &&
      static_cast<double>(s.sent) < kKeptRate * static_cast<double>(s.planned)) {
    result->warnings.push_back(fmt::format(
        "could not keep -R {:.0f}/s: sent {} of {} planned datagrams ({:.1f}%), {} never left "
        "the client; the figures describe a lighter load than asked for",
        o.rate, s.sent, s.planned,
        100.0 * static_cast<double>(s.sent) / static_cast<double>(s.planned), s.not_sent));
  }
  if (s.kernel_drops > 0) {
    result->warnings.push_back(fmt::format(
        "the kernel dropped {} datagrams at the client's own sockets (receive buffer full): "
        "raise --rcvbuf or use more -t/-k",
        s.kernel_drops));
  }
  return true;
}

}  // namespace percore::client
