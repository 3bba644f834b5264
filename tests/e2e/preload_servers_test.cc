// libpercore_preload.so with unmodified servers from Debian's packages, each in a network
// namespace the test creates (its own loopback, and net.ipv4.tcp_migrate_req=1 there only):
// nginx and lighttpd get one listener per worker and keep serving through reload, a killed
// worker and quit; programs that must be left alone behave the same with and without the
// library; and what the library cannot do safely ends in passthrough plus one log line.
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "tests/support/netns.h"
#include "tests/support/proc_info.h"
#include "tests/support/process.h"

namespace percore::test {
namespace {

constexpr int kPort = 18090;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

struct WrkResult {
  long requests = -1;
  long connect = 0, read = 0, write = 0, timeout = 0;
  long errors() const { return connect + read + write + timeout; }
};

WrkResult parse_wrk(const std::string& out) {
  WrkResult r;
  size_t at = out.find(" requests in ");
  if (at != std::string::npos) {
    size_t start = out.rfind('\n', at);
    r.requests = std::atol(out.c_str() + (start == std::string::npos ? 0 : start + 1));
  }
  at = out.find("Socket errors:");
  if (at != std::string::npos) {
    std::sscanf(out.c_str() + at, "Socket errors: connect %ld, read %ld, write %ld, timeout %ld",
                &r.connect, &r.read, &r.write, &r.timeout);
  }
  return r;
}

// Accepted connections per nginx worker, from an access log of "$pid" lines (one request per
// connection with Connection: close).
std::map<int, long> accepts_by_pid(const std::string& log) {
  std::map<int, long> by_pid;
  std::istringstream in(log);
  int pid;
  while (in >> pid) ++by_pid[pid];
  return by_pid;
}

double max_over_min(const std::map<int, long>& counts) {
  long lo = -1, hi = 0;
  for (const auto& [pid, n] : counts) {
    lo = lo < 0 || n < lo ? n : lo;
    hi = std::max(hi, n);
  }
  return lo > 0 ? static_cast<double>(hi) / static_cast<double>(lo) : 1e9;
}

class PreloadServers : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"nginx", "wrk", "ip", "ss", "curl"}) {
      if (!have_program(tool)) GTEST_SKIP() << "needs " << tool;
    }
    ns_ = std::make_unique<Netns>("pl");
    if (!ns_->ok()) GTEST_SKIP() << "cannot create a network namespace: " << ns_->error();
    int status = 0;
    ns_->run("sysctl -qw net.ipv4.tcp_migrate_req=1", 10, &status);
    migrate_ = status == 0;
    char tmpl[] = "/tmp/percore-preload-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    chmod(dir_.c_str(), 0777);  // workers run as nobody and write their access log here
    log_ = dir_ + "/preload.log";
  }
  void TearDown() override {
    for (auto& p : processes_) p->kill_all();
    processes_.clear();
    if (!dir_.empty()) {
      int status = 0;
      run_command("rm -rf '" + dir_ + "'", 10, &status);
    }
  }

  // env: LD_PRELOAD and PERCORE_LOG when `preload`, plus `extra_env`.
  std::vector<std::string> env(bool preload, std::vector<std::string> extra_env = {}) const {
    std::vector<std::string> argv = {"env"};
    if (preload) {
      argv.push_back(std::string("LD_PRELOAD=") + PERCORE_PRELOAD_LIB);
      argv.push_back("PERCORE_LOG=" + log_);
    }
    argv.insert(argv.end(), extra_env.begin(), extra_env.end());
    return argv;
  }

  Process* spawn(std::vector<std::string> argv) {
    processes_.push_back(std::make_unique<Process>(ns_->in(std::move(argv))));
    return processes_.back().get();
  }

  std::string nginx_conf(const std::string& listen_extra, int workers = 4) const {
    std::string conf = dir_ + "/nginx.conf";
    std::ofstream out(conf);
    out << "worker_processes " << workers << ";\npid " << dir_ << "/nginx.pid;\n"
        << "error_log " << dir_ << "/error.log warn;\nevents { worker_connections 1024; }\n"
        << "http {\n  log_format pidonly '$pid';\n  access_log " << dir_
        << "/access.log pidonly;\n  client_body_temp_path " << dir_ << "/body;\n"
        << "  proxy_temp_path " << dir_ << "/proxy;\n  fastcgi_temp_path " << dir_ << "/fcgi;\n"
        << "  uwsgi_temp_path " << dir_ << "/uwsgi;\n  scgi_temp_path " << dir_ << "/scgi;\n"
        << "  server {\n    listen 127.0.0.1:" << kPort << listen_extra
        << ";\n    location / { return 200 \"hello\\n\"; }\n  }\n}\n";
    return conf;
  }

  // nginx (daemon off, so the test owns the master's process group) under `env`.
  Process* start_nginx(std::vector<std::string> with_env, const std::string& listen_extra = "",
                       int workers = 4) {
    std::string conf = nginx_conf(listen_extra, workers);
    with_env.insert(with_env.end(), {"nginx", "-p", dir_, "-c", conf, "-g", "daemon off;"});
    Process* p = spawn(with_env);
    return wait_http(kPort) ? p : nullptr;
  }

  bool wait_http(int port, const std::string& path = "/") {
    for (int i = 0; i < 100; ++i) {
      if (http_code(port, path) == "200") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string http_code(int port, const std::string& path = "/") {
    int status = 0;
    return ns_->run("curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:" +
                        std::to_string(port) + path,
                    10, &status);
  }

  int listeners(int port) {
    int status = 0;
    return std::atoi(
        ns_->run("ss -Hltn 'sport = :" + std::to_string(port) + "' | grep -c LISTEN", 10, &status)
            .c_str());
  }

  WrkResult wrk(int seconds, int port, bool close = true, const std::string& path = "/") {
    std::vector<std::string> argv = {"wrk", "-t2", "-c8", "-d", std::to_string(seconds) + "s"};
    if (close) argv.insert(argv.end(), {"-H", "Connection: close"});
    argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
    Process* p = spawn(argv);
    p->wait_exit(seconds * 1000 + 15000);
    return parse_wrk(p->stdout_text());
  }

  void nginx_signal(const std::string& what) {
    int status = 0;
    std::string out =
        run_command("nginx -p " + dir_ + " -c " + dir_ + "/nginx.conf -s " + what, 10, &status);
    ASSERT_EQ(status, 0) << out;
  }

  std::unique_ptr<Netns> ns_;
  bool migrate_ = false;
  std::string dir_;
  std::string log_;
  std::vector<std::unique_ptr<Process>> processes_;
};

TEST_F(PreloadServers, NginxWorkersGetOwnListenersAndBalancedAccepts) {
  ASSERT_NE(start_nginx(env(true)), nullptr) << read_file(dir_ + "/error.log");
  EXPECT_EQ(listeners(kPort), 4) << read_file(log_);
  EXPECT_EQ(count_of(read_file(log_), "own listener"), 4) << read_file(log_);

  // Connection: close, until at least 20k connections were served.
  std::map<int, long> counts;
  long total = 0;
  for (int round = 0; round < 15 && total < 20000; ++round) {
    WrkResult r = wrk(2, kPort);
    ASSERT_GT(r.requests, 0);
    EXPECT_EQ(r.errors(), 0);
    counts = accepts_by_pid(read_file(dir_ + "/access.log"));
    total = 0;
    for (const auto& [pid, n] : counts) total += n;
  }
  ASSERT_GE(total, 20000);
  ASSERT_EQ(counts.size(), 4u) << "every worker accepts";
  EXPECT_LE(max_over_min(counts), 1.25);
  for (const auto& [pid, n] : counts) std::printf("worker %d accepted %ld\n", pid, n);
}

// PERCORE_STEER=cpu: worker k is pinned to the k-th CPU of the inherited mask and its listener
// carries SO_INCOMING_CPU, so (on loopback, where the SYN is processed on the client's CPU) a
// client pinned to CPU c is served by the worker on CPU c.
TEST_F(PreloadServers, NginxCpuSteeringKeepsEachConnectionOnItsCpu) {
  cpu_set_t mask;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mask), &mask), 0);
  if (!CPU_ISSET(0, &mask) || !CPU_ISSET(1, &mask)) GTEST_SKIP() << "needs CPUs 0 and 1";
  Process* nginx = start_nginx(env(true, {"PERCORE_STEER=cpu"}), "", 2);
  ASSERT_NE(nginx, nullptr) << read_file(dir_ + "/error.log");
  std::map<int, int> cpu_of;  // worker pid -> the one CPU it may run on
  for (int pid : children_of(nginx->pid())) {
    std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
    size_t at = status.find("Cpus_allowed_list:");
    ASSERT_NE(at, std::string::npos);
    std::string list = status.substr(at + 18, status.find('\n', at) - at - 18);
    list.erase(0, list.find_first_not_of(" \t"));
    EXPECT_EQ(list.find_first_of(",-"), std::string::npos) << "pinned to one CPU: " << list;
    cpu_of[pid] = std::atoi(list.c_str());
  }
  ASSERT_EQ(cpu_of.size(), 2u);
  for (int cpu : {0, 1}) {
    unlink((dir_ + "/access.log").c_str());
    nginx_signal("reopen");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    int status = 0;
    ns_->run("for i in $(seq 40); do taskset -c " + std::to_string(cpu) +
                 " curl -s -o /dev/null http://127.0.0.1:18090/; done",
             60, &status);
    std::map<int, long> counts = accepts_by_pid(read_file(dir_ + "/access.log"));
    ASSERT_EQ(counts.size(), 1u) << "cpu " << cpu;
    EXPECT_EQ(counts.begin()->second, 40);
    EXPECT_EQ(cpu_of[counts.begin()->first], cpu);
  }
}

TEST_F(PreloadServers, NginxReloadKillAndQuitUnderLoadLoseNothing) {
  if (!migrate_) GTEST_SKIP() << "net.ipv4.tcp_migrate_req is not available (kernel < 5.14)";
  Process* nginx = start_nginx(env(true));
  ASSERT_NE(nginx, nullptr) << read_file(dir_ + "/error.log");

  // Reload: new workers take spare slots, old ones hand their queues over as they leave.
  std::vector<std::string> load = {"wrk",
                                   "-t2",
                                   "-c8",
                                   "-d4s",
                                   "-H",
                                   "Connection: close",
                                   "http://127.0.0.1:" + std::to_string(kPort) + "/"};
  Process* w = spawn(load);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  nginx_signal("reload");
  ASSERT_GE(w->wait_exit(20000), 0);
  WrkResult r = parse_wrk(w->stdout_text());
  EXPECT_GT(r.requests, 0) << w->stdout_text();
  EXPECT_EQ(r.errors(), 0) << w->stdout_text();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(listeners(kPort), 4) << read_file(log_);

  // kill -9 of a worker: its queue is handed over when the master reaps it, and the replacement
  // gets a listener of its own. Only connections the dead worker itself held can fail.
  w = spawn(load);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::vector<int> workers = children_of(nginx->pid());
  ASSERT_FALSE(workers.empty());
  kill(workers.front(), SIGKILL);
  ASSERT_GE(w->wait_exit(20000), 0);
  r = parse_wrk(w->stdout_text());
  EXPECT_EQ(r.timeout, 0) << w->stdout_text();
  EXPECT_EQ(r.connect, 0) << w->stdout_text();
  EXPECT_LE(r.read + r.write, 8) << "more than the dead worker's own connections failed\n"
                                 << w->stdout_text();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(http_code(kPort), "200");
  EXPECT_EQ(listeners(kPort), 4) << read_file(log_);

  // quit under load: nginx finishes and exits 0, nothing is left listening, and no client hangs
  // on a listener nobody watches (connects after the port closed are refused, as without us).
  w = spawn(load);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  nginx_signal("quit");
  EXPECT_EQ(nginx->wait_exit(15000), 0);
  ASSERT_GE(w->wait_exit(20000), 0);
  r = parse_wrk(w->stdout_text());
  EXPECT_EQ(r.timeout, 0) << w->stdout_text();
  EXPECT_EQ(listeners(kPort), 0);
}

// Debian runs nginx daemonised: the master is then a child of the process that called listen().
// It still reaps a killed worker's slot, so that worker's listener leaves the group instead of
// holding connections nobody accepts.
TEST_F(PreloadServers, DaemonisedNginxReleasesAKilledWorkersListener) {
  if (!migrate_) GTEST_SKIP() << "net.ipv4.tcp_migrate_req is not available (kernel < 5.14)";
  std::string conf = nginx_conf("");
  std::vector<std::string> argv = env(true);
  argv.insert(argv.end(), {"nginx", "-p", dir_, "-c", conf});
  Process* launcher = spawn(argv);
  ASSERT_EQ(launcher->wait_exit(10000), 0);
  ASSERT_TRUE(wait_http(kPort));
  int master = std::atoi(read_file(dir_ + "/nginx.pid").c_str());
  ASSERT_GT(master, 0);
  struct Cleanup {
    int pid;
    ~Cleanup() {
      for (int child : children_of(pid)) kill(child, SIGKILL);
      kill(pid, SIGKILL);
    }
  } cleanup{master};
  EXPECT_EQ(listeners(kPort), 4);
  std::vector<int> workers = children_of(master);
  ASSERT_EQ(workers.size(), 4u);
  kill(workers.front(), SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(listeners(kPort), 4) << read_file(log_);
  WrkResult r = wrk(2, kPort);
  EXPECT_GT(r.requests, 0);
  EXPECT_EQ(r.errors(), 0);
  nginx_signal("quit");
  // Exited means gone or a zombie: whoever adopted the daemon reaps it, not the test.
  auto running = [](int pid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    size_t paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
  };
  for (int i = 0; i < 100 && running(master); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(running(master)) << "nginx did not quit";
}

TEST_F(PreloadServers, LighttpdWorkersGetOwnListenersAfterDroppingPrivileges) {
  if (!have_program("lighttpd")) GTEST_SKIP() << "needs lighttpd (scripts/deps.sh installs it)";
  std::string root = dir_ + "/www";
  mkdir(root.c_str(), 0755);
  std::ofstream(root + "/index.html") << "hello\n";
  chmod((root + "/index.html").c_str(), 0644);
  std::string conf = dir_ + "/lighttpd.conf";
  std::ofstream(conf) << "server.document-root = \"" << root << "\"\nserver.port = " << kPort
                      << "\nserver.bind = \"127.0.0.1\"\nserver.username = \"nobody\"\n"
                      << "server.groupname = \"nogroup\"\nserver.max-worker = 4\n"
                      << "server.errorlog = \"" << dir_ << "/lighttpd-error.log\"\n";
  std::vector<std::string> argv = env(true);
  argv.insert(argv.end(), {"lighttpd", "-D", "-f", conf});
  Process* lighttpd = spawn(argv);
  ASSERT_TRUE(wait_http(kPort, "/index.html")) << read_file(dir_ + "/lighttpd-error.log");
  EXPECT_EQ(listeners(kPort), 4) << read_file(log_);
  EXPECT_EQ(count_of(read_file(log_), "own listener"), 4) << read_file(log_);

  // Every worker accepts: with keep-alive load running, each holds established connections.
  Process* w = spawn({"wrk", "-t2", "-c64", "-d3s", "http://127.0.0.1:18090/index.html"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  int status = 0;
  std::string est = ns_->run("ss -Htnp state established '( sport = :18090 )'", 10, &status);
  std::map<std::string, int> by_pid;
  for (size_t at = est.find("pid="); at != std::string::npos; at = est.find("pid=", at + 1)) {
    ++by_pid[est.substr(at + 4, est.find(',', at) - at - 4)];
  }
  EXPECT_EQ(by_pid.size(), 4u) << est;
  ASSERT_GE(w->wait_exit(20000), 0);
  EXPECT_EQ(parse_wrk(w->stdout_text()).errors(), 0) << w->stdout_text();

  if (migrate_) {
    // A killed worker is replaced by lighttpd's parent; no connection hangs meanwhile.
    w = spawn({"wrk", "-t2", "-c8", "-d3s", "-H", "Connection: close",
               "http://127.0.0.1:18090/index.html"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    std::vector<int> workers = children_of(lighttpd->pid());
    ASSERT_FALSE(workers.empty());
    kill(workers.front(), SIGKILL);
    ASSERT_GE(w->wait_exit(20000), 0);
    WrkResult r = parse_wrk(w->stdout_text());
    EXPECT_EQ(r.timeout + r.connect, 0) << w->stdout_text();
    EXPECT_LE(r.read + r.write, 8) << w->stdout_text();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(listeners(kPort), 4) << read_file(log_);
  }
  lighttpd->signal(SIGTERM);
  EXPECT_EQ(lighttpd->wait_exit(10000), 0);
}

// `server preload -- COMMAND`: sets LD_PRELOAD and the PERCORE_* variables, reports what the
// kernel lacks, tunes tcp_migrate_req on request, and hands over the command's own exit code.
TEST_F(PreloadServers, LauncherPreparesTheEnvironmentAndChecksTheKernel) {
  int status = 0;
  ns_->run("sysctl -qw net.ipv4.tcp_migrate_req=0", 10, &status);
  std::string out =
      ns_->run(std::string(PERCORE_SERVER_BIN) + " preload --steer cpu --log " + log_ +
                   " -- sh -c 'echo \"$LD_PRELOAD|$PERCORE_STEER|$PERCORE_LOG\"; "
                   "exit 7'",
               10, &status);
  EXPECT_EQ(status, 7) << out;
  EXPECT_NE(out.find(std::string(PERCORE_PRELOAD_LIB) + "|cpu|" + log_), std::string::npos) << out;
  if (migrate_) {
    EXPECT_NE(out.find("tcp_migrate_req=0"), std::string::npos) << out;
    out = ns_->run(std::string(PERCORE_SERVER_BIN) +
                       " preload --tune -- cat /proc/sys/net/ipv4/tcp_migrate_req",
                   10, &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(out, "1\n");
  }
  run_command(std::string(PERCORE_SERVER_BIN) + " preload -- /nonexistent/program", 10, &status);
  EXPECT_EQ(status, 127);
  for (const char* bad :
       {" preload", " preload --steer fast -- true", " preload --bogus -- true"}) {
    out = run_command(std::string(PERCORE_SERVER_BIN) + bad, 10, &status);
    EXPECT_EQ(status, 2) << bad;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
}

// One run of a control program: listeners on its port, its answer, and its exit status after
// SIGTERM (or its own exit when it does not start).
struct ControlRun {
  int listeners = -1;
  std::string answer;
  int status = -2;
};

class PreloadControls : public PreloadServers {
 protected:
  ControlRun run_control(std::vector<std::string> argv, int port, bool expect_up = true) {
    ControlRun c;
    Process* p = spawn(argv);
    if (!expect_up) c.status = p->wait_exit(10000);  // it is expected to fail on its own
    if (expect_up) wait_http(port);
    c.listeners = settled_listeners(port);
    c.answer = http_code(port);
    if (expect_up) {
      p->signal(SIGTERM);
      c.status = p->wait_exit(10000);
    }
    return c;
  }
  // The first answer can come while a later worker has yet to open its listener: count once the
  // number has held for half a second (at most 5 s), so a count that never grows still shows.
  int settled_listeners(int port) {
    int last = listeners(port);
    auto held_since = std::chrono::steady_clock::now();
    auto give_up = held_since + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      int now = listeners(port);
      if (now != last) {
        last = now;
        held_since = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - held_since >= std::chrono::milliseconds(500)) {
        break;
      }
    }
    return last;
  }
  void expect_same(const ControlRun& with, const ControlRun& without) {
    EXPECT_EQ(with.listeners, without.listeners);
    EXPECT_EQ(with.answer, without.answer);
    EXPECT_EQ(with.status, without.status);
  }
  std::vector<std::string> cmd(bool preload, std::vector<std::string> extra_env,
                               std::vector<std::string> command) {
    std::vector<std::string> argv = env(preload, std::move(extra_env));
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }
};

TEST_F(PreloadControls, SingleProcessPythonServerIsLeftAlone) {
  if (!have_program("python3")) GTEST_SKIP() << "needs python3";
  std::vector<std::string> py = {"python3", "-m",        "http.server", "18091",
                                 "--bind",  "127.0.0.1", "--directory", dir_};
  ControlRun without = run_control(cmd(false, {}, py), 18091);
  // Even when allow-listed, a process that never forks keeps its one listener.
  ControlRun with = run_control(cmd(true, {"PERCORE_SPLIT=force"}, py), 18091);
  EXPECT_EQ(without.answer, "200");
  EXPECT_EQ(without.listeners, 1);
  expect_same(with, without);
  EXPECT_EQ(count_of(read_file(log_), "own listener"), 0) << read_file(log_);
}

TEST_F(PreloadControls, HaproxyWithItsOwnReuseportIsLeftAlone) {
  if (!have_program("haproxy")) GTEST_SKIP() << "needs haproxy";
  std::string conf = dir_ + "/haproxy.cfg";
  std::ofstream(conf) << "global\n  nbthread 2\ndefaults\n  mode http\n  timeout client 5s\n"
                      << "  timeout server 5s\n  timeout connect 1s\nfrontend f\n"
                      << "  bind 127.0.0.1:18092\n"
                      << "  http-request return status 200 content-type text/plain string ok\n";
  std::vector<std::string> hp = {"haproxy", "-db", "-f", conf};
  ControlRun without = run_control(cmd(false, {}, hp), 18092);
  ControlRun with = run_control(cmd(true, {"PERCORE_ALLOW=haproxy"}, hp), 18092);
  EXPECT_EQ(without.answer, "200");
  expect_same(with, without);
  EXPECT_NE(read_file(log_).find("set SO_REUSEPORT itself"), std::string::npos) << read_file(log_);
}

TEST_F(PreloadControls, NginxWithReuseportAndPercoreOffAreLeftAlone) {
  std::vector<std::string> ng = {"nginx", "-p",         dir_, "-c", nginx_conf(" reuseport"),
                                 "-g",    "daemon off;"};
  ControlRun without = run_control(cmd(false, {}, ng), kPort);
  ControlRun with = run_control(cmd(true, {}, ng), kPort);
  EXPECT_EQ(without.listeners, 4);
  expect_same(with, without);
  EXPECT_NE(read_file(log_).find("set SO_REUSEPORT itself"), std::string::npos) << read_file(log_);

  ng[4] = nginx_conf("");
  without = run_control(cmd(false, {}, ng), kPort);
  with = run_control(cmd(true, {"PERCORE=off"}, ng), kPort);
  EXPECT_EQ(without.listeners, 1);
  expect_same(with, without);
  EXPECT_EQ(count_of(read_file(log_), "own listener"), 0) << read_file(log_);
}

// percore's own server: --listen-mode shared under the library ends up like reuseport mode,
// while reuseport mode (which sets SO_REUSEPORT itself) is left alone.
TEST_F(PreloadControls, PercoreSharedModeUnderTheLibraryBehavesLikeReuseport) {
  // A sanitizer build of the server wants its runtime first among the loaded libraries; the
  // preloaded library comes before it, which is harmless here.
  const char* asan = getenv("ASAN_OPTIONS");
  std::string asan_options = std::string("ASAN_OPTIONS=") + (asan ? asan : "") +
                             (asan && *asan ? ":" : "") + "verify_asan_link_order=0";
  auto server = [&](bool preload, const std::string& mode) {
    return cmd(preload, {"PERCORE_ALLOW=server", asan_options},
               {PERCORE_SERVER_BIN, "-a", "127.0.0.1:18093", "-w", "2", "--listen-mode", mode, "-o",
                dir_ + "/server.log"});
  };
  ControlRun reuseport = run_control(server(false, "reuseport"), 18093);
  ControlRun shared = run_control(server(false, "shared"), 18093);
  ControlRun shared_with = run_control(server(true, "shared"), 18093);
  ControlRun reuseport_with = run_control(server(true, "reuseport"), 18093);
  EXPECT_EQ(reuseport.listeners, 2);
  EXPECT_EQ(shared.listeners, 1);
  expect_same(shared_with, reuseport);
  expect_same(reuseport_with, reuseport);
  EXPECT_EQ(count_of(read_file(log_), "own listener"), 2) << read_file(log_);
}

// Failure injection: each case must leave the program exactly as without the library, with one
// log line saying why, and never a different exit status.
TEST_F(PreloadControls, FdLimitOfSixteenMeansPassthrough) {
  std::string conf = nginx_conf("", 2);
  auto ng = [&](bool preload) {
    return cmd(
        preload, {},
        {"sh", "-c", "ulimit -n 16; exec nginx -p " + dir_ + " -c " + conf + " -g 'daemon off;'"});
  };
  ControlRun without = run_control(ng(false), kPort);
  ControlRun with = run_control(ng(true), kPort);
  expect_same(with, without);
  std::string log = read_file(log_);
  EXPECT_EQ(count_of(log, "passthrough"), 1) << log;
  EXPECT_NE(log.find("cannot create"), std::string::npos) << log;
}

TEST_F(PreloadControls, OneCpuMaskMeansPassthrough) {
  if (!have_program("taskset")) GTEST_SKIP() << "needs taskset";
  std::string conf = nginx_conf("", 2);
  auto ng = [&](bool preload) {
    return cmd(preload, {},
               {"taskset", "-c", "0", "nginx", "-p", dir_, "-c", conf, "-g", "daemon off;"});
  };
  ControlRun without = run_control(ng(false), kPort);
  ControlRun with = run_control(ng(true), kPort);
  EXPECT_EQ(without.listeners, 1);
  expect_same(with, without);
  std::string log = read_file(log_);
  EXPECT_EQ(count_of(log, "passthrough"), 1) << log;
  EXPECT_NE(log.find("only one CPU"), std::string::npos) << log;
}

TEST_F(PreloadControls, NonRootOnAPrivilegedPortFailsExactlyAsWithout) {
  if (!have_program("setpriv")) GTEST_SKIP() << "needs setpriv";
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "needs /usr/bin/python3";
  // python3 binds port 80 as nobody: EACCES, with and without the library (forced on).
  auto py = [&](bool preload) {
    return cmd(preload, {"PERCORE_SPLIT=force"},
               {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "/usr/bin/python3", "-m", "http.server", "80", "--bind", "127.0.0.1"});
  };
  ControlRun without = run_control(py(false), 80, false);
  ControlRun with = run_control(py(true), 80, false);
  ASSERT_TRUE(WIFEXITED(without.status));
  EXPECT_EQ(WEXITSTATUS(without.status), 1);
  expect_same(with, without);
  EXPECT_LE(count_of(read_file(log_), "percore-preload"), 1);
}

}  // namespace
}  // namespace percore::test
