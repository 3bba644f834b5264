#include "server/master.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "core/log/logging.h"
#include "core/net/socket.h"
#include "core/proc/affinity.h"
#include "core/proc/kernel.h"
#include "core/proc/limits.h"
#include "core/util/clock.h"
#include "server/metrics_endpoint.h"
#include "server/stats_printer.h"
#include "server/worker_process.h"

namespace percore::server {
namespace {

constexpr int64_t kStartupTimeoutNs = 10 * util::kNsPerSec;
// A worker that dies sooner than this after starting counts as failing at start-up.
constexpr int64_t kQuickDeathNs = util::kNsPerSec;
constexpr int64_t kMaxBackoffNs = 10 * util::kNsPerSec;

struct WorkerState {
  pid_t pid = -1;
  int core = 0;
  int64_t started_ns = 0;
  int64_t restart_at_ns = INT64_MAX;
  int quick_deaths = 0;
};

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  }
  return "stopped";
}

class Master {
 public:
  explicit Master(ServerOptions options) : o_(std::move(options)), row_(mode_row(o_)) {}
  ~Master() {
    for (int fd : {sigfd_, ready_rd_, ready_wr_}) {
      if (fd >= 0) close(fd);
    }
    for (int fd : reservations_) close(fd);
  }

  int run();

 private:
  bool prepare();
  bool reserve_ports();
  void spawn(int index);
  bool wait_until_ready();
  void print_ready_lines();
  void loop();
  void handle_signals();
  void reap();
  void read_ready_records(bool at_startup, int* ready, std::string* first_error);
  void begin_stop();
  void kill_all(int sig);
  bool all_exited() const;
  void fail(const std::string& message);

  bool datagrams() const { return row_.transport == Transport::kDatagram; }

  ServerOptions o_;
  const ModeRow& row_;
  std::unique_ptr<stats::WorkerSlots> slots_;
  std::vector<WorkerState> workers_;
  std::vector<int> reservations_;
  io::BackendKind backend_ = io::BackendKind::kAuto;  // resolved in prepare()
  MetricsEndpoint metrics_;
  int sigfd_ = -1;
  int ready_rd_ = -1;
  int ready_wr_ = -1;
  bool stopping_ = false;
  bool stop_now_ = false;
  int64_t stop_deadline_ns_ = INT64_MAX;
  int64_t start_ns_ = util::now_ns();
};

void Master::fail(const std::string& message) {
  fmt::print(stderr, "server: {}\n", message);
  spdlog::error("{}", message);
}

bool Master::reserve_ports() {
  // The master binds each address first: errors surface here, once, and port 0 becomes a real
  // port that every worker then shares. In the reuseport modes this socket is bound but not
  // listening, so it takes no traffic; in the shared modes it is the one listener every worker
  // inherits (the master itself never accepts on it). A UDP socket in the SO_REUSEPORT group
  // would take its share of datagrams: the UDP reservations are closed once the workers hold the
  // port (release_udp_reservations).
  bool shared = is_shared_listener(o_.listen_mode);
  for (net::Address& addr : o_.listen) {
    // SO_REUSEPORT would let this server quietly join one already listening here and take half
    // its connections. That is what a hitless restart wants (--join-running), and an accident
    // otherwise: refuse unless asked.
    if (!o_.join_running && addr.port() != 0 && net::address_taken(addr, datagrams())) {
      fail(fmt::format(
          "cannot listen on {}: Address already in use by another server (--join-running "
          "shares it, as a hitless restart does)",
          addr.to_string()));
      return false;
    }
    int fd = datagrams() ? net::bind_udp_reuseport(addr)
             : shared    ? net::bind_exclusive(addr, o_.backlog)
                         : net::bind_reuseport(addr, 0);
    if (fd < 0) {
      fail(fmt::format("cannot listen on {}: {}", addr.to_string(), strerror(-fd)));
      return false;
    }
    net::Address bound;
    if (net::local_address(fd, &bound)) addr.set_port(bound.port());
    reservations_.push_back(fd);
  }
  return true;
}

bool Master::prepare() {
  std::string error;
  if (!log::init(o_.log_file, o_.debug, "master", &error)) {
    fmt::print(stderr, "server: {}\n", error);
    return false;
  }
  uint64_t fds = proc::raise_fd_limit();
  spdlog::info("starting: {} workers from core {}, mode {}, {} listeners, fd limit {}", o_.workers,
               o_.start_core, row_.name, listen_mode_name(o_.listen_mode), fds);

  std::string note;
  backend_ = io::resolve_backend_kind(o_.io, &note, &error);
  if (!error.empty()) {
    fail(error);
    return false;
  }
  if (!note.empty()) spdlog::warn("{}", note);
  if (row_.unavailable != nullptr) {
    if (std::string why = row_.unavailable(); !why.empty()) {
      fail(why);
      return false;
    }
  }
  if (o_.listen_mode == ListenMode::kCpu && !proc::kernel_at_least(6, 1)) {
    spdlog::warn(
        "--listen-mode cpu: this kernel is older than 6.1, where SO_INCOMING_CPU does not "
        "steer SO_REUSEPORT groups; connections are hashed as in reuseport mode");
  }
  if (!reserve_ports()) return false;
  if (o_.metrics) {
    if (int rc = metrics_.open(*o_.metrics); rc < 0) {
      fail(fmt::format("cannot serve metrics on {}: {}", o_.metrics->to_string(), strerror(-rc)));
      return false;
    }
    net::local_address(metrics_.fd(), &*o_.metrics);
    metrics_.set_upstream_names(upstream_names(o_));
  }
  slots_.reset(stats::WorkerSlots::create(o_.workers));
  int pipe_fds[2];
  if (!slots_ || pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    fail(fmt::format("cannot set up shared state: {}", strerror(errno)));
    return false;
  }
  ready_rd_ = pipe_fds[0];
  ready_wr_ = pipe_fds[1];

  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGHUP, SIGPIPE}) sigaddset(&set, sig);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  sigfd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd_ < 0) {
    fail(fmt::format("signalfd: {}", strerror(errno)));
    return false;
  }

  std::vector<int> allowed = proc::allowed_cpus();
  workers_.resize(static_cast<size_t>(o_.workers));
  for (int i = 0; i < o_.workers; ++i) {
    bool wrapped = false;
    workers_[i].core = proc::core_for_worker(allowed, o_.start_core, i, &wrapped);
    if (wrapped) {
      spdlog::warn("worker {}: CPU {} is not available; wrapped onto CPU {}", i, o_.start_core + i,
                   workers_[i].core);
    }
  }
  return true;
}

void Master::spawn(int index) {
  WorkerState& w = workers_[index];
  w.started_ns = util::now_ns();
  w.restart_at_ns = INT64_MAX;
  pid_t master_pid = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    spdlog::error("fork for worker {}: {}", index, strerror(errno));
    w.restart_at_ns = util::now_ns() + util::kNsPerSec;
    return;
  }
  if (pid == 0) {
    close(sigfd_);
    close(ready_rd_);
    metrics_.close_listener();
    // The reservations are the master's, unless they are the shared listeners: a UDP one held
    // open here would take datagrams.
    if (datagrams() || !is_shared_listener(o_.listen_mode)) {
      for (int fd : reservations_) close(fd);
      reservations_.clear();
    }
    WorkerLaunch launch;
    launch.index = index;
    launch.core = w.core;
    launch.backend = backend_;
    // Shared modes use the inherited descriptor itself (closing it closes only this worker's
    // reference): a preloaded libpercore_preload.so recognises it by its number.
    launch.sockets = reservations_;
    int code =
        run_worker_process(o_, std::move(launch), ready_wr_, master_pid, &slots_->slot(index));
    spdlog::shutdown();
    _exit(code);
  }
  w.pid = pid;
}

void Master::read_ready_records(bool at_startup, int* ready, std::string* first_error) {
  ReadyRecord rec;
  while (read(ready_rd_, &rec, sizeof(rec)) == sizeof(rec)) {
    rec.text[sizeof(rec.text) - 1] = '\0';
    if (rec.error == 0) {
      ++*ready;
      if (!at_startup) spdlog::info("worker {} is listening again", rec.index);
    } else if (first_error->empty()) {
      *first_error = rec.text;
      if (!at_startup) spdlog::error("worker {} failed to start: {}", rec.index, rec.text);
    }
  }
}

bool Master::wait_until_ready() {
  int ready = 0;
  std::string error;
  int64_t deadline = util::now_ns() + kStartupTimeoutNs;
  while (ready < o_.workers && error.empty()) {
    int64_t left = deadline - util::now_ns();
    if (left <= 0) {
      error = "workers did not start within 10 s";
      break;
    }
    pollfd fds[2] = {{ready_rd_, POLLIN, 0}, {sigfd_, POLLIN, 0}};
    poll(fds, 2, static_cast<int>(left / util::kNsPerMs) + 1);
    read_ready_records(true, &ready, &error);
    signalfd_siginfo si;
    while (read(sigfd_, &si, sizeof(si)) == sizeof(si)) {
      if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) error = "interrupted during start-up";
    }
    int status;
    pid_t pid;
    while (error.empty() && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
      read_ready_records(true, &ready, &error);
      if (error.empty()) error = fmt::format("a worker {} during start-up", describe_exit(status));
    }
  }
  if (error.empty()) return true;
  fail(error);
  kill_all(SIGKILL);
  while (waitpid(-1, nullptr, 0) > 0) {
  }
  return false;
}

void Master::print_ready_lines() {
  for (const net::Address& addr : o_.listen) {
    fmt::print("percore: ready {} {} workers={} io={} listen-mode={}\n", row_.name,
               addr.to_string(), o_.workers, io_name(o_, backend_),
               listen_mode_name(o_.listen_mode));
  }
  if (o_.metrics) fmt::print("percore: metrics http://{}/metrics\n", o_.metrics->to_string());
  fflush(stdout);
  spdlog::info("ready: {} workers listening", o_.workers);
}

void Master::kill_all(int sig) {
  for (const WorkerState& w : workers_) {
    if (w.pid > 0) kill(w.pid, sig);
  }
}

bool Master::all_exited() const {
  return std::all_of(workers_.begin(), workers_.end(),
                     [](const WorkerState& w) { return w.pid <= 0; });
}

void Master::begin_stop() {
  stopping_ = true;
  stop_deadline_ns_ =
      util::now_ns() + int64_t{o_.drain_timeout_ms} * util::kNsPerMs + 2 * util::kNsPerSec;
  spdlog::info("stopping: workers drain for up to {} ms", o_.drain_timeout_ms);
  kill_all(SIGTERM);
}

void Master::reap() {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    auto it = std::find_if(workers_.begin(), workers_.end(),
                           [pid](const WorkerState& w) { return w.pid == pid; });
    if (it == workers_.end()) continue;
    int index = static_cast<int>(it - workers_.begin());
    WorkerState& w = *it;
    w.pid = -1;
    slots_->slot(index).active.store(0, std::memory_order_relaxed);
    if (stopping_) {
      spdlog::info("worker {} {}", index, describe_exit(status));
      continue;
    }
    int64_t now = util::now_ns();
    w.quick_deaths = now - w.started_ns < kQuickDeathNs ? w.quick_deaths + 1 : 0;
    int64_t delay = 0;
    if (w.quick_deaths > 0) {
      delay = std::min(kMaxBackoffNs, (100 * util::kNsPerMs) << std::min(w.quick_deaths - 1, 10));
    }
    w.restart_at_ns = now + delay;
    spdlog::warn("worker {} (cpu {}) {}; restarting in {} ms", index, w.core, describe_exit(status),
                 delay / util::kNsPerMs);
  }
}

void Master::handle_signals() {
  signalfd_siginfo si;
  while (read(sigfd_, &si, sizeof(si)) == sizeof(si)) {
    switch (si.ssi_signo) {
      case SIGCHLD:
        reap();
        break;
      case SIGTERM:
      case SIGINT:
        if (!stopping_) {
          begin_stop();
        } else if (si.ssi_signo == SIGINT) {
          stop_now_ = true;
        }
        break;
      case SIGUSR1:
        log::reopen();
        kill_all(SIGUSR1);
        spdlog::info("log file reopened");
        break;
      default:
        break;
    }
  }
}

void Master::loop() {
  StatsPrinter printer(*slots_, upstream_names(o_), row_.transport);
  int64_t next_tick = util::now_ns() + util::kNsPerSec;
  while (true) {
    int64_t now = util::now_ns();
    int64_t deadline = std::min(next_tick, stop_deadline_ns_);
    for (const WorkerState& w : workers_) deadline = std::min(deadline, w.restart_at_ns);
    int timeout = deadline <= now ? 0 : static_cast<int>((deadline - now) / util::kNsPerMs + 1);
    pollfd fds[3] = {{sigfd_, POLLIN, 0}, {ready_rd_, POLLIN, 0}, {metrics_.fd(), POLLIN, 0}};
    poll(fds, metrics_.fd() >= 0 ? 3 : 2, timeout);
    handle_signals();
    if (stop_now_) {
      spdlog::warn("second interrupt: stopping at once");
      kill_all(SIGKILL);
      while (waitpid(-1, nullptr, 0) > 0) {
      }
      _exit(130);
    }
    int ready = 0;
    std::string error;
    read_ready_records(false, &ready, &error);
    if (fds[2].revents & POLLIN) metrics_.serve_pending(*slots_);

    now = util::now_ns();
    if (now >= next_tick) {
      if (o_.verbose && !stopping_) printer.print_rates(stdout, now);
      next_tick = now + util::kNsPerSec;
    }
    if (stopping_) {
      if (all_exited()) return;
      if (now >= stop_deadline_ns_) {
        spdlog::error("workers did not stop in time; killing them");
        kill_all(SIGKILL);
        stop_deadline_ns_ = INT64_MAX;
      }
      continue;
    }
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].pid <= 0 && workers_[i].restart_at_ns <= now) {
        spawn(static_cast<int>(i));
      }
    }
  }
}

int Master::run() {
  if (!prepare()) return 1;
  for (int i = 0; i < o_.workers; ++i) spawn(i);
  if (!wait_until_ready()) return 1;
  if (datagrams()) {
    for (int fd : reservations_) close(fd);
    reservations_.clear();
  }
  print_ready_lines();
  loop();
  double elapsed = static_cast<double>(util::now_ns() - start_ns_) / 1e9;
  StatsPrinter(*slots_, upstream_names(o_), row_.transport).print_summary(stdout, elapsed);
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int run_master(ServerOptions options) {
  Master master(std::move(options));
  return master.run();
}

}  // namespace percore::server
