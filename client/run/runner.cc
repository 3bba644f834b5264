// Thread orchestration and progress for one run. The hot loops are in load_worker.cc; this file
// runs once a second at most.
#include "client/run/runner.h"

#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "client/multi_host/segment.h"
#include "client/os/process_cpu.h"
#include "client/protocols.h"
#include "client/result/report_text.h"
#include "client/run/interval_log.h"
#include "client/run/load_worker.h"
#include "core/proc/affinity.h"
#include "core/util/clock.h"

namespace percore::client {
namespace {

using Workers = std::vector<std::unique_ptr<LoadWorker>>;

std::vector<WorkerPlan> plan_workers(const Options& o, io::BackendKind kind, int64_t start) {
  std::vector<int> allowed = proc::allowed_cpus();
  std::vector<WorkerPlan> plans;
  for (int i = 0; i < o.threads; ++i) {
    WorkerPlan p;
    p.index = i;
    bool wrapped = false;
    p.cpu = o.pin ? proc::core_for_worker(allowed, o.start_core, i, &wrapped) : -1;
    p.connections = static_cast<int>(
        segment_share(static_cast<uint64_t>(o.connections), Segment{i, o.threads}));
    p.quota = o.requests > 0 ? segment_share(o.requests, Segment{i, o.threads}) : 0;
    // -n smaller than the thread count leaves some workers nothing to do: give them one request
    // of work at most by letting the quota be 0 only when -n is unset.
    if (o.requests > 0 && p.quota == 0) continue;
    p.rate = o.rate;
    p.start_ns = start;
    p.measure_ns = start + o.warmup_ns;
    p.end_ns = o.duration_ns > 0 ? start + o.duration_ns : INT64_MAX;
    p.backend = kind;
    // An echo stream's receives are bulk: the ring of fewer, larger buffers costs less per byte.
    if (o.protocol == Protocol::kEcho && o.echo.pattern == EchoPattern::kStream) {
      p.traffic = io::Traffic::kStreams;
    }
    plans.push_back(p);
  }
  // --rate: the workers that run share the grid, each its own place on it.
  for (size_t i = 0; i < plans.size(); ++i) {
    plans[i].rate_index = static_cast<int>(i);
    plans[i].rate_stride = static_cast<int>(plans.size());
  }
  return plans;
}

// --hdr-log's histogram: the latency the report leads with.
const stats::Histogram& logged(const Options& o, const WorkerStats& s) {
  return o.rate > 0 ? s.corrected : s.uncorrected;
}

// Lets the progress watcher sleep until its next tick or until the last worker finishes, instead
// of polling (an idle open-loop run should cost little CPU besides its sends).
struct Finished {
  std::mutex mu;
  std::condition_variable cv;
  size_t count = 0;

  void one_more() {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++count;
    }
    cv.notify_all();
  }
  // Until `deadline_ns` (util::now_ns's clock) or until all `total` are done; true: all done.
  bool wait_all(size_t total, int64_t deadline_ns) {
    std::unique_lock<std::mutex> lock(mu);
    int64_t left = deadline_ns - util::now_ns();
    if (left > 0) {
      cv.wait_for(lock, std::chrono::nanoseconds(left), [&] { return count >= total; });
    }
    return count >= total;
  }
};

// Until every worker is done: once a second, merges the workers' published snapshots into a
// progress line on stderr (unless -q) and an interval of the --hdr-log (if open).
void watch_progress(const Options& o, const Workers& workers, Finished* finished, int64_t start,
                    const char* rate_unit, IntervalLog* log) {
  int64_t next = start + util::kNsPerSec;
  uint64_t last_completed = 0;
  WorkerStats snap;
  while (!finished->wait_all(workers.size(), next)) {
    int64_t now = util::now_ns();
    if (now < next) continue;  // woken early
    next += util::kNsPerSec;
    if (o.quiet && !log->is_open()) continue;
    WorkerStats merged;
    uint64_t done_requests = 0;
    for (auto& w : workers) {
      w->copy_published(&snap);
      merged.merge(snap);
      done_requests += snap.completed + snap.warmup_requests;
    }
    // Workers publish on their own one-second ticks, so this is the rate over about a second.
    double rps = static_cast<double>(done_requests - last_completed);
    last_completed = done_requests;
    double elapsed = static_cast<double>(now - start) / 1e9;
    if (log->is_open()) log->tick(logged(o, merged), elapsed);
    if (o.quiet) continue;
    bool warmup = now < start + o.warmup_ns;
    fmt::print(stderr, "{}\n",
               render_progress(elapsed, warmup, rps,
                               merged.uncorrected.count() > 0 && o.rate > 0
                                   ? merged.corrected.value_at_percentile(99)
                                   : merged.uncorrected.value_at_percentile(99),
                               merged.error_total(), o.rate, rate_unit));
  }
}

// Merges the finished workers' statistics and what the run was asked to do into *result.
void collect(const Options& o, const Workers& workers, io::BackendKind kind, int64_t start,
             RunResult* result) {
  int64_t end = start;
  for (auto& w : workers) {
    result->stats.merge(w->stats());
    end = std::max(end, w->finished_ns());
  }
  result->mode = o.protocol;
  result->url = o.url_text;
  load_protocol(o.protocol).describe(o, result);
  result->method = o.method;
  result->backend = io::backend_kind_name(kind);
  result->threads = static_cast<int>(workers.size());
  result->connections = o.connections;
  result->pipeline = o.pipeline;
  result->keepalive = o.keepalive;
  result->target_rate = o.rate;
  result->warmup_s = static_cast<double>(o.warmup_ns) / 1e9;
  result->duration_s = std::max(0.0, static_cast<double>(end - start - o.warmup_ns) / 1e9);
}

}  // namespace

bool run_load(const Options& o, const std::atomic<bool>* stop, RunResult* result,
              std::string* error) {
  std::string note;
  io::BackendKind kind = io::resolve_backend_kind(o.io, &note, error);
  if (kind == io::BackendKind::kAuto) return false;
  if (!note.empty() && !o.quiet) fmt::print(stderr, "client: {}\n", note);

  const LoadProtocol& protocol = load_protocol(o.protocol);
  // Before the clock starts: request bytes, pattern table.
  WorkerFactory make_worker = protocol.workers(o);
  double cpu_before = process_cpu_seconds();
  IntervalLog log;
  if (!o.hdr_log_path.empty()) {
    timespec wall{};
    clock_gettime(CLOCK_REALTIME, &wall);
    int64_t wall_ms = int64_t{wall.tv_sec} * 1000 + wall.tv_nsec / 1'000'000;
    std::string comment = o.rate > 0
                              ? "percore client: latency in ns, corrected for the --rate schedule"
                              : "percore client: latency in ns";
    if (!log.open(o.hdr_log_path, wall_ms, comment, error)) return false;
  }
  // Open loop: the grid's origin is a short lead after the workers start connecting, so that
  // connections that open within it (loopback, an idle server) miss no point of the grid.
  int64_t start = util::now_ns() + (o.rate > 0 ? kOpenLoopLeadNs : 0);
  Workers workers;
  for (const WorkerPlan& p : plan_workers(o, kind, start)) workers.push_back(make_worker(p, stop));
  std::vector<std::string> errors(workers.size());
  std::vector<std::thread> threads;
  Finished finished;
  for (size_t i = 0; i < workers.size(); ++i) {
    threads.emplace_back([&, i] {
      workers[i]->run(&errors[i]);
      finished.one_more();
    });
  }
  watch_progress(o, workers, &finished, start, protocol.rate_unit, &log);
  for (auto& t : threads) t.join();
  for (const std::string& e : errors) {
    if (!e.empty()) {
      *error = e;
      return false;
    }
  }
  collect(o, workers, kind, start, result);
  if (log.is_open() &&
      !log.finish(logged(o, result->stats), static_cast<double>(util::now_ns() - start) / 1e9)) {
    *error = "--hdr-log " + o.hdr_log_path + ": writing failed";
    return false;
  }
  result->interrupted = stop->load();
  result->cpu_s = process_cpu_seconds() - cpu_before;
  finalize(result);
  return true;
}

}  // namespace percore::client
