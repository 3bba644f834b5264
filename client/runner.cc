// Thread orchestration and progress for one run. The hot loops are in worker.cc; this file runs
// once a second at most.
#include "client/runner.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "client/echo_worker.h"
#include "client/pattern_table.h"
#include "client/report_text.h"
#include "client/request_builder.h"
#include "client/worker.h"
#include "core/proc/affinity.h"
#include "core/util/clock.h"

namespace percore::client {
namespace {

double process_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Splits `total` into `parts` shares that differ by at most one.
uint64_t share(uint64_t total, int parts, int index) {
  auto p = static_cast<uint64_t>(parts);
  auto i = static_cast<uint64_t>(index);
  return total / p + (i < total % p ? 1 : 0);
}

std::vector<WorkerPlan> plan_workers(const Options& o, io::BackendKind kind, int64_t start) {
  std::vector<int> allowed = proc::allowed_cpus();
  std::vector<WorkerPlan> plans;
  for (int i = 0; i < o.threads; ++i) {
    WorkerPlan p;
    p.index = i;
    bool wrapped = false;
    p.cpu = o.pin ? proc::core_for_worker(allowed, o.start_core, i, &wrapped) : -1;
    p.connections = static_cast<int>(share(static_cast<uint64_t>(o.connections), o.threads, i));
    p.quota = o.requests > 0 ? share(o.requests, o.threads, i) : 0;
    // -n smaller than the thread count leaves some workers nothing to do: give them one request
    // of work at most by letting the quota be 0 only when -n is unset.
    if (o.requests > 0 && p.quota == 0) continue;
    p.rate = o.rate / o.threads;
    p.start_ns = start;
    p.measure_ns = start + o.warmup_ns;
    p.end_ns = o.duration_ns > 0 ? start + o.duration_ns : INT64_MAX;
    p.backend = kind;
    plans.push_back(p);
  }
  return plans;
}

}  // namespace

bool run_load(const Options& o, const std::atomic<bool>* stop, RunResult* result,
              std::string* error) {
  std::string note;
  io::BackendKind kind = io::resolve_backend_kind(o.io, &note, error);
  if (kind == io::BackendKind::kAuto) return false;
  if (!note.empty() && !o.quiet) fmt::print(stderr, "client: {}\n", note);

  const bool echo = o.command != Command::kHttp;
  // Built before the clock starts; only the workers of the run's protocol read them.
  const std::string request = echo ? std::string() : build_request(o);
  const std::string requests = echo ? std::string() : repeat_request(request, o.pipeline);
  std::unique_ptr<PatternTable> pattern;
  if (echo) pattern = std::make_unique<PatternTable>(std::max(o.echo.window, o.echo.payload));
  double cpu_before = process_cpu_s();
  int64_t start = util::now_ns();
  std::vector<WorkerPlan> plans = plan_workers(o, kind, start);

  std::vector<std::unique_ptr<LoadWorker>> workers;
  std::vector<std::string> errors(plans.size());
  std::vector<std::thread> threads;
  for (const WorkerPlan& p : plans) {
    if (echo) {
      workers.push_back(std::make_unique<EchoWorker>(o, *pattern, p, stop));
    } else {
      workers.push_back(std::make_unique<Worker>(o, requests, request.size(), p, stop));
    }
  }
  for (size_t i = 0; i < workers.size(); ++i) {
    threads.emplace_back([&, i] { workers[i]->run(&errors[i]); });
  }

  // Progress: once a second, merge the workers' published snapshots.
  int64_t next = start + util::kNsPerSec;
  uint64_t last_completed = 0;
  auto all_done = [&] {
    for (auto& w : workers) {
      if (!w->done()) return false;
    }
    return true;
  };
  WorkerStats snap;
  while (!all_done()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    int64_t now = util::now_ns();
    if (now < next) continue;
    next += util::kNsPerSec;
    if (o.quiet) continue;
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
    bool warmup = now < start + o.warmup_ns;
    fmt::print(stderr, "{}\n",
               render_progress(elapsed, warmup, rps,
                               merged.uncorrected.count() > 0 && o.rate > 0
                                   ? merged.corrected.value_at_percentile(99)
                                   : merged.uncorrected.value_at_percentile(99),
                               merged.error_total(), o.rate, echo ? "msg/s" : "req/s"));
  }
  for (auto& t : threads) t.join();
  for (const std::string& e : errors) {
    if (!e.empty()) {
      *error = e;
      return false;
    }
  }

  int64_t end = start;
  for (auto& w : workers) {
    result->stats.merge(w->stats());
    end = std::max(end, w->finished_ns());
  }
  result->url = o.url_text;
  if (echo) {
    result->mode = "echo";
    result->pattern = o.echo.pattern == EchoPattern::kStream ? "stream" : "rr";
    result->payload = o.echo.payload;
    result->window = o.echo.window;
  }
  result->method = o.method;
  result->backend = io::backend_kind_name(kind);
  result->threads = static_cast<int>(workers.size());
  result->connections = o.connections;
  result->pipeline = o.pipeline;
  result->keepalive = o.keepalive;
  result->target_rate = o.rate;
  result->warmup_s = static_cast<double>(o.warmup_ns) / 1e9;
  result->interrupted = stop->load();
  result->duration_s = std::max(0.0, static_cast<double>(end - start - o.warmup_ns) / 1e9);
  result->cpu_s = process_cpu_s() - cpu_before;
  finalize(result);
  return true;
}

}  // namespace percore::client
