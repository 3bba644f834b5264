// Test harness for end-to-end tests: starts a real binary, waits for its ready line, and makes
// sure it (and everything it forked) is gone when the test ends, pass or fail.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>

#include <string>
#include <vector>

namespace percore::test {

// Milliseconds on the monotonic clock, for the harness's deadlines.
int64_t now_ms();
// Milliseconds since t0 on the same clock.
inline int64_t ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

class Process {
 public:
  // Starts argv[0] with the arguments in a new process group; stdout is read by the harness,
  // stderr is kept in a temp file (see stderr_text()).
  explicit Process(std::vector<std::string> argv);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();

  // Reads stdout until a line contains `needle` or timeout; returns that line or "" on timeout.
  std::string wait_for_line(const std::string& needle, int timeout_ms);
  // Everything read from stdout so far (wait_for_line and wait_exit read it).
  const std::string& stdout_text() const { return out_; }
  std::string stderr_text() const;

  void signal(int sig);
  // Waits for exit up to timeout_ms; returns the exit status as from waitpid, or -1 on timeout.
  int wait_exit(int timeout_ms);
  // Kills the whole process group and reaps the leader.
  void kill_all();

 private:
  void read_available(int timeout_ms);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string out_;
  std::string err_path_;
  int status_ = -1;
};

// Parses "percore: ready http 127.0.0.1:41234 workers=2" and returns the port, or 0.
int ready_port(const std::string& line);

// Runs a shell command with a time limit; returns its combined stdout+stderr and sets *status to
// the exit code (or -1 when killed for time).
std::string run_command(const std::string& command, int timeout_s, int* status);

// True when the program is on PATH.
bool have_program(const std::string& name);

}  // namespace percore::test
