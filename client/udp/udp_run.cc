#include "client/udp/udp_run.h"

#include <time.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "client/multi_host/segment.h"
#include "client/run/interval_log.h"
#include "client/run/rate_scheduler.h"
#include "client/udp/udp_worker.h"
#include "core/proc/affinity.h"
#include "core/util/clock.h"

namespace percore::client {
namespace {

using Workers = std::vector<std::unique_ptr<UdpWorker>>;

UdpStats published(const Workers& workers) {
  UdpStats now;
  UdpStats s;
  for (const auto& w : workers) {
    w->copy_published(&s);
    now.merge(s);
  }
  return now;
}

void progress(const UdpStats& now, const UdpOptions& o, UdpStats* last, double secs,
              int64_t since_start_ns) {
  fmt::print(stderr, "udp {:>5.1f}s  sent {:>9.0f}/s  received {:>9.0f}/s  lost so far {}\n",
             static_cast<double>(since_start_ns) / 1e9,
             static_cast<double>(now.sent - last->sent) / secs,
             static_cast<double>(now.received - last->received) / secs,
             o.sink ? 0 : (now.sent > now.unique ? now.sent - now.unique : 0));
  *last = now;
}

// The threads' shares of the sockets (remainders to the first) and of the stream numbers, and
// each its place on -R's grid.
std::vector<UdpPlan> plan_workers(const UdpOptions& o, io::BackendKind kind, int64_t start) {
  std::vector<int> allowed = proc::allowed_cpus();
  std::vector<UdpPlan> plans;
  auto total = static_cast<uint64_t>(o.total_sockets);
  for (int i = 0; i < o.threads; ++i) {
    UdpPlan p;
    p.index = i;
    bool wrapped = false;
    p.cpu = o.pin ? proc::core_for_worker(allowed, o.start_core, i, &wrapped) : -1;
    Segment share{i, o.threads};
    p.sockets = static_cast<int>(segment_share(total, share));
    p.first_stream = o.first_stream + static_cast<uint32_t>(segment_offset(total, share));
    p.rate = o.rate;
    p.rate_stride = o.threads;
    p.start_ns = start;
    p.end_ns = start + o.duration_ns;
    p.backend = kind;
    plans.push_back(p);
  }
  return plans;
}

}  // namespace

bool run_udp(const UdpOptions& o, const std::atomic<bool>* stop, UdpResult* result,
             std::string* error) {
  // The engine logs its one-time findings (UDP offloads) at info; the client's stdout is its
  // report, so only warnings may reach the console.
  spdlog::set_level(spdlog::level::warn);
  std::string note;
  io::BackendKind kind = io::resolve_backend_kind(o.io, &note, error);
  if (kind == io::BackendKind::kAuto) return false;
  if (!note.empty() && !o.quiet) fmt::print(stderr, "client: {}\n", note);
  IntervalLog log;
  if (!o.hdr_log_path.empty()) {
    timespec wall{};
    clock_gettime(CLOCK_REALTIME, &wall);
    int64_t wall_ms = int64_t{wall.tv_sec} * 1000 + wall.tv_nsec / 1'000'000;
    std::string comment = o.sink ? "percore client udp --sink: one-way transit time in ns"
                                 : "percore client udp: round-trip time in ns";
    if (!log.open(o.hdr_log_path, wall_ms, comment, error)) return false;
  }
  // Under -R the grid's origin is the lead http and echo give theirs, after every thread has its
  // sockets; unpaced threads start at once.
  int64_t start = util::now_ns() + (o.rate > 0 ? kOpenLoopLeadNs : 0);
  Workers workers;
  for (const UdpPlan& p : plan_workers(o, kind, start)) {
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
    if (now - last_ns < util::kNsPerSec || (o.quiet && !log.is_open())) continue;
    UdpStats snapshot = published(workers);
    if (log.is_open()) log.tick(snapshot.rtt, static_cast<double>(now - start) / 1e9);
    if (!o.quiet) {
      progress(snapshot, o, &last, static_cast<double>(now - last_ns) / 1e9, now - start);
    }
    last_ns = now;
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
  if (log.is_open() && !log.finish(result->stats.rtt, static_cast<double>(end - start) / 1e9)) {
    *error = "--hdr-log " + o.hdr_log_path + ": writing failed";
    return false;
  }
  // Rates over the sending time (the tail wait for late answers is not load).
  int64_t measured = std::min(end - start, o.duration_ns);
  result->elapsed_s = static_cast<double>(measured > 0 ? measured : 1) / 1e9;
  judge_udp(result);
  return true;
}

}  // namespace percore::client
