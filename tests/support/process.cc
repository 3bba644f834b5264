#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace percore::test {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Process::Process(std::vector<std::string> argv) {
  // Workers orphaned by a killed master come to us, so they can be reaped, not left as zombies.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  char tmpl[] = "/tmp/percore-test-stderr-XXXXXX";
  int err_fd = mkstemp(tmpl);
  err_path_ = tmpl;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) std::abort();
  pid_t test_pid = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    // A test killed by ctest's timeout takes what it started with it (a server's workers follow
    // their master the same way), so no run leaves processes behind for the next test.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != test_pid) _exit(127);
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  setpgid(pid_, pid_);
  close(pipe_fds[1]);
  close(err_fd);
  out_fd_ = pipe_fds[0];
  fcntl(out_fd_, F_SETFL, O_NONBLOCK);
}

Process::~Process() {
  kill_all();
  if (out_fd_ >= 0) close(out_fd_);
  unlink(err_path_.c_str());
}

bool Process::running() {
  if (status_ != -1) return false;
  int st;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

void Process::read_available(int timeout_ms) {
  pollfd p{out_fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return;
  char buf[4096];
  ssize_t n;
  while ((n = read(out_fd_, buf, sizeof(buf))) > 0) out_.append(buf, static_cast<size_t>(n));
}

std::string Process::wait_for_line(const std::string& needle, int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  size_t scanned = 0;
  while (true) {
    size_t pos;
    while ((pos = out_.find('\n', scanned)) != std::string::npos) {
      std::string line = out_.substr(scanned, pos - scanned);
      scanned = pos + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    int64_t left = deadline - now_ms();
    if (left <= 0) return "";
    if (!running()) {
      read_available(0);
      if (out_.find('\n', scanned) == std::string::npos) return "";
      continue;
    }
    read_available(static_cast<int>(left < 50 ? left : 50));
  }
}

std::string Process::stderr_text() const {
  std::ifstream in(err_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Process::signal(int sig) {
  if (status_ == -1) ::kill(pid_, sig);
}

int Process::wait_exit(int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  while (running()) {
    if (now_ms() >= deadline) return -1;
    read_available(20);
  }
  read_available(0);
  return status_;
}

void Process::kill_all() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  if (status_ == -1) {
    int st;
    waitpid(pid_, &st, 0);
    status_ = st;
  }
  // Reap the rest of the group (orphans re-parented to this subreaper).
  for (int i = 0; i < 200 && ::kill(-pid_, 0) == 0; ++i) {
    while (waitpid(-pid_, nullptr, WNOHANG) > 0) {
    }
    if (::kill(-pid_, 0) != 0) break;
    usleep(5000);
  }
}

int ready_port(const std::string& line) {
  size_t colon = line.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(line.c_str() + colon + 1);
}

std::string run_command(const std::string& command, int timeout_s, int* status) {
  std::string quoted;
  for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  std::string wrapped =
      "timeout -k 5 " + std::to_string(timeout_s) + " sh -c '" + quoted + "' 2>&1";
  FILE* f = popen(wrapped.c_str(), "r");
  std::string out;
  if (f == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  int st = pclose(f);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (*status == 124) *status = -1;
  return out;
}

bool have_program(const std::string& name) {
  int status;
  run_command("sh -c 'command -v " + name + "' >/dev/null", 5, &status);
  return status == 0;
}

}  // namespace percore::test
