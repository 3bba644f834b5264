#include "preload/splitter.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "preload/shared_table.h"

namespace percore::preload {

RealCalls g_real;
bool g_off = true;  // until init() has run
std::atomic<bool> g_ready{false};

namespace {

// Descriptors below this are tracked in flat per-process arrays (copied by fork, like the fd
// table itself); a listener above it is simply never split.
constexpr int kMaxFd = 65536;
// kListener: a split listener of the program's. kPassthrough: a listener already decided
// against (nginx calls listen() twice; the decision and its log line happen once).
enum Mark : uint8_t { kNone = 0, kListener = 1, kPassthrough = 2 };

Config g_config;
char g_program[64] = "?";
uint8_t g_mark[kMaxFd];
int32_t g_epoll_pid[kMaxFd];  // which process created each epoll descriptor
std::atomic<SharedTable*> g_table{nullptr};
cpu_set_t g_mask;  // the CPUs inherited at start (taskset, cgroup cpuset)
bool g_warned_prefork_epoll = false;
bool g_warned_no_slot = false;

// --- system-call fallbacks (used only when dlsym cannot find the libc symbol) ---------------
int sys_listen(int fd, int backlog) {
  return static_cast<int>(syscall(SYS_listen, fd, backlog));
}
int sys_close(int fd) {
  return static_cast<int>(syscall(SYS_close, fd));
}
int sys_dup2(int oldfd, int newfd) {
  if (oldfd == newfd) return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
  return static_cast<int>(syscall(SYS_dup3, oldfd, newfd, 0));
}
int sys_dup3(int oldfd, int newfd, int flags) {
  return static_cast<int>(syscall(SYS_dup3, oldfd, newfd, flags));
}
int sys_epoll_create(int size) {
  return size <= 0 ? (errno = EINVAL, -1) : static_cast<int>(syscall(SYS_epoll_create1, 0));
}
int sys_epoll_create1(int flags) {
  return static_cast<int>(syscall(SYS_epoll_create1, flags));
}
int sys_epoll_ctl(int epfd, int op, int fd, epoll_event* ev) {
  return static_cast<int>(syscall(SYS_epoll_ctl, epfd, op, fd, ev));
}
pid_t sys_wait4(pid_t pid, int* status, int options, rusage* usage) {
  return static_cast<pid_t>(syscall(SYS_wait4, pid, status, options, usage));
}
pid_t sys_waitpid(pid_t pid, int* status, int options) {
  return sys_wait4(pid, status, options, nullptr);
}
int sys_waitid(idtype_t type, id_t id, siginfo_t* info, int options) {
  return static_cast<int>(syscall(SYS_waitid, type, id, info, options, nullptr));
}

// --- logging: one line per decision, to PERCORE_LOG only -------------------------------------
// fd 2 is never written: servers often point it at a socket or /dev/null. The file is opened by
// the first line (in a master that is usually still root, so workers that dropped privileges
// can append through the inherited descriptor) on a high, close-on-exec descriptor, and the
// descriptor is checked to still be that file before each write: daemons close every fd at
// start-up, and the number may since belong to something of the program's.
int g_log_fd = -1;
dev_t g_log_dev = 0;
ino_t g_log_ino = 0;

// Returns a descriptor for the log; *temporary tells the caller to close it after writing (when
// the descriptor limit leaves no room up high, the program's low numbers are not kept busy).
int log_fd(bool* temporary) {
  *temporary = false;
  struct stat st;
  if (g_log_fd >= 0 && fstat(g_log_fd, &st) == 0 && st.st_dev == g_log_dev &&
      st.st_ino == g_log_ino) {
    return g_log_fd;
  }
  int fd = open(g_config.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) return -1;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 512);
  if (high < 0) {
    *temporary = true;
    return fd;
  }
  g_real.close(fd);
  fd = high;
  if (fstat(fd, &st) != 0) {
    g_real.close(fd);
    return -1;
  }
  g_log_fd = fd;
  g_log_dev = st.st_dev;
  g_log_ino = st.st_ino;
  return fd;
}

void log_line(const char* format, ...) __attribute__((format(printf, 1, 2)));
void log_line(const char* format, ...) {
  if (g_config.log_path[0] == '\0') return;
  int saved_errno = errno;
  char line[512];
  int n = std::snprintf(line, sizeof(line), "percore-preload[%d] %s: ", static_cast<int>(getpid()),
                        g_program);
  va_list ap;
  va_start(ap, format);
  if (n > 0 && static_cast<size_t>(n) < sizeof(line)) {
    int m = std::vsnprintf(line + n, sizeof(line) - static_cast<size_t>(n), format, ap);
    n = m < 0 ? n : n + m;
  }
  va_end(ap);
  if (n >= static_cast<int>(sizeof(line))) n = sizeof(line) - 1;
  line[n++] = '\n';
  bool temporary = false;
  int fd = log_fd(&temporary);
  if (fd >= 0) {
    ssize_t written = write(fd, line, static_cast<size_t>(n));
    (void)written;  // nothing to do about a log that cannot be written
    if (temporary) g_real.close(fd);
  }
  errno = saved_errno;
}

// --- helpers ---------------------------------------------------------------------------------
bool tracked(int fd) {
  return fd >= 0 && fd < kMaxFd && g_mark[fd] == kListener;
}

bool marked(int fd) {
  return fd >= 0 && fd < kMaxFd && g_mark[fd] != kNone;
}

uint64_t inode_of(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}

int int_option(int fd, int level, int name, int* value) {
  socklen_t len = sizeof(*value);
  return getsockopt(fd, level, name, value, &len);
}

SharedTable* table() {
  SharedTable* t = g_table.load(std::memory_order_acquire);
  if (t != nullptr) return t;
  void* mem =
      mmap(nullptr, sizeof(SharedTable), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  auto* fresh = static_cast<SharedTable*>(mem);  // zero-filled: every listener kFree
  if (!g_table.compare_exchange_strong(t, fresh)) {
    munmap(mem, sizeof(SharedTable));
    return t;
  }
  return fresh;
}

// The listener record for a program descriptor this process knows as tracked.
Listener* find_listener(int fd) {
  SharedTable* t = g_table.load(std::memory_order_acquire);
  if (t == nullptr) return nullptr;
  for (Listener& l : t->listeners) {
    if (l.state.load(std::memory_order_acquire) == kLive && l.app_fd == fd) return &l;
  }
  return nullptr;
}

// Descriptors for the extra sockets go high, out of the way of programs that count on the
// lowest free number.
int high_fd_base() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 1024;
  rlim_t half = lim.rlim_cur / 2;
  return static_cast<int>(half > 1024 ? 1024 : half);
}

int move_high(int fd, int base) {
  int high = fcntl(fd, F_DUPFD_CLOEXEC, base);
  int saved = errno;
  g_real.close(fd);
  errno = saved;
  return high;
}

// Options that change how accepted connections behave, copied from the program's socket to a
// worker's listener just before it listens (the master may set some of them after its first
// listen(), as nginx does). Only values that differ from a fresh socket's are copied, so a buffer
// size the program never set stays auto-tuned. Failures are ignored: the worker's listener then
// behaves like a default socket for that option, which is what a fresh reuseport socket does.
void copy_accept_options(int from, int to) {
  static constexpr struct {
    int level;
    int name;
  } kOptions[] = {
      {SOL_SOCKET, SO_KEEPALIVE},      {SOL_SOCKET, SO_RCVBUF},     {SOL_SOCKET, SO_SNDBUF},
      {SOL_SOCKET, SO_MARK},           {SOL_SOCKET, SO_PRIORITY},   {IPPROTO_TCP, TCP_NODELAY},
      {IPPROTO_TCP, TCP_DEFER_ACCEPT}, {IPPROTO_TCP, TCP_FASTOPEN}, {IPPROTO_TCP, TCP_KEEPIDLE},
      {IPPROTO_TCP, TCP_KEEPINTVL},    {IPPROTO_TCP, TCP_KEEPCNT},  {IPPROTO_TCP, TCP_MAXSEG},
      {IPPROTO_TCP, TCP_USER_TIMEOUT}, {IPPROTO_IP, IP_TOS},
  };
  for (const auto& o : kOptions) {
    int want = 0, have = 0;
    if (int_option(from, o.level, o.name, &want) != 0) continue;
    if (int_option(to, o.level, o.name, &have) != 0 || want == have) continue;
    // The kernel reports buffer sizes doubled (it counts its bookkeeping).
    if (o.name == SO_RCVBUF || o.name == SO_SNDBUF) want /= 2;
    setsockopt(to, o.level, o.name, &want, sizeof(want));
  }
  linger lg{};
  socklen_t len = sizeof(lg);
  if (getsockopt(from, SOL_SOCKET, SO_LINGER, &lg, &len) == 0 && lg.l_onoff != 0) {
    setsockopt(to, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
}

// An extra socket for the program's bound address: same family, the bind-time options that
// decide which addresses it covers, SO_REUSEPORT, bound, not listening. Returns fd or -errno.
int make_extra(int app_fd, int domain, int protocol, const sockaddr_storage& addr,
               socklen_t addr_len, int base) {
  int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, protocol);
  if (fd < 0) return -errno;
  int one = 1, value = 0;
  bool ok = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == 0;
  if (ok && int_option(app_fd, SOL_SOCKET, SO_REUSEADDR, &value) == 0 && value != 0) {
    ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0;
  }
  if (ok && domain == AF_INET6 && int_option(app_fd, IPPROTO_IPV6, IPV6_V6ONLY, &value) == 0) {
    ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &value, sizeof(value)) == 0;
  }
  if (ok && domain == AF_INET && int_option(app_fd, IPPROTO_IP, IP_FREEBIND, &value) == 0 &&
      value != 0) {
    ok = setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &value, sizeof(value)) == 0;
  }
  char device[64] = "";
  socklen_t device_len = sizeof(device);
  if (ok && getsockopt(app_fd, SOL_SOCKET, SO_BINDTODEVICE, device, &device_len) == 0 &&
      device_len > 1) {
    ok = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, device_len) == 0;
  }
  if (!ok || bind(fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0) {
    int err = errno;
    g_real.close(fd);
    return -err;
  }
  int high = move_high(fd, base);
  return high < 0 ? -errno : high;
}

void close_extras(Listener& l, int count) {
  for (int i = 0; i < count; ++i) g_real.close(l.slots[i].fd);
  if (l.orig_fd >= 0) g_real.close(l.orig_fd);
}

// Sets up the extras of a listener the master is about to listen on. On any failure nothing
// remains of the attempt and the program's socket is exactly as the program left it.
bool split(int fd, int backlog, const ListenFacts& facts, const sockaddr_storage& addr,
           socklen_t addr_len) {
  SharedTable* t = table();
  if (t == nullptr) {
    log_line("fd %d port %d: shared memory unavailable (%s); passthrough", fd, facts.port,
             strerror(errno));
    return false;
  }
  Listener* l = nullptr;
  for (Listener& candidate : t->listeners) {
    int32_t expected = kFree;
    if (candidate.state.compare_exchange_strong(expected, kSettingUp)) {
      l = &candidate;
      break;
    }
  }
  if (l == nullptr) {
    log_line("fd %d port %d: more than %d listeners; passthrough", fd, facts.port, kMaxListeners);
    return false;
  }
  int one = 1, zero = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    log_line("fd %d port %d: SO_REUSEPORT: %s; passthrough", fd, facts.port, strerror(errno));
    l->state.store(kFree);
    return false;
  }
  int slots = g_config.slots > 0 ? g_config.slots : default_slots(facts.cpus);
  int base = high_fd_base();
  l->orig_fd = fcntl(fd, F_DUPFD_CLOEXEC, base);
  int made = 0;
  int err = l->orig_fd < 0 ? errno : 0;
  for (; err == 0 && made < slots; ++made) {
    int extra = make_extra(fd, facts.domain, facts.protocol, addr, addr_len, base);
    if (extra < 0) {
      err = -extra;
      break;
    }
    Slot& s = l->slots[made];
    s.fd = extra;
    s.ino = inode_of(extra);
    s.cpu = nth_cpu(g_mask, made);
    s.owner.store(0);
    s.listening.store(0);
  }
  if (err != 0) {
    close_extras(*l, made);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &zero, sizeof(zero));
    l->state.store(kFree);
    log_line("fd %d port %d: cannot create %d per-worker sockets (%s after %d); passthrough", fd,
             facts.port, slots, strerror(err), made);
    return false;
  }
  l->app_fd = fd;
  l->app_ino = inode_of(fd);
  l->listen_pid = static_cast<int32_t>(getpid());
  l->backlog = backlog;
  l->slot_count = slots;
  l->retired.store(0);
  l->owned.store(0);
  l->state.store(kLive, std::memory_order_release);
  g_mark[fd] = kListener;
  log_line("fd %d port %d: %d per-worker listeners prepared (steer %s)", fd, facts.port, slots,
           g_config.steer == Steer::kCpu ? "cpu" : "hash");
  return true;
}

// Frees a slot this process (or, when reaping, a dead child) owned. `via` is a descriptor of the
// slot's socket in this process.
void release(Listener& l, Slot& s, int32_t owner, int via) {
  int32_t expected = owner;
  if (!s.owner.compare_exchange_strong(expected, 0)) return;
  if (l.owned.fetch_sub(1) > 1) {
    // Others still accept: leave the group; queued connections migrate to them when
    // net.ipv4.tcp_migrate_req=1.
    s.listening.store(0);
    shutdown(via, SHUT_RD);
  }
  // The last owner's socket keeps listening (parked): its queue waits for the next worker, as
  // connections wait on a shared listener while a stock server restarts its worker.
}

Slot* my_slot(Listener& l, int32_t pid) {
  for (int i = 0; i < l.slot_count; ++i) {
    if (l.slots[i].owner.load() == pid) return &l.slots[i];
  }
  return nullptr;
}

bool owner_dead(int32_t owner) {
  return owner != 0 && kill(owner, 0) != 0 && errno == ESRCH;
}

Slot* claim_slot(Listener& l, int32_t pid) {
  // Sockets still in the group first (parked, or left by a worker that died unreaped): their
  // queue needs an owner. Then free ones, then any whose owner died.
  for (int pass = 0; pass < 3; ++pass) {
    for (int i = 0; i < l.slot_count; ++i) {
      Slot& s = l.slots[i];
      int32_t owner = s.owner.load();
      bool candidate = pass == 0   ? s.listening.load() != 0 && (owner == 0 || owner_dead(owner))
                       : pass == 1 ? owner == 0
                                   : owner_dead(owner);
      if (candidate && s.owner.compare_exchange_strong(owner, pid)) {
        if (owner == 0) l.owned.fetch_add(1);  // a dead owner's count passes to us
        return &s;
      }
    }
  }
  return nullptr;
}

// Gives this worker its own listener in place of the shared one, before `epfd` watches it.
void commit(Listener& l, int epfd, int fd) {
  int32_t pid = static_cast<int32_t>(getpid());
  if (pid == l.listen_pid || my_slot(l, pid) != nullptr) return;
  if (epfd < 0 || epfd >= kMaxFd || g_epoll_pid[epfd] != pid) {
    // An epoll set from before fork is shared with other processes: swapping the descriptor
    // under it would leave them watching a socket they cannot accept from.
    if (!g_warned_prefork_epoll) {
      g_warned_prefork_epoll = true;
      log_line(
          "fd %d: watched by an epoll set not created in this process; keeping the shared "
          "listener",
          fd);
    }
    return;
  }
  if (inode_of(fd) != l.app_ino) return;  // no longer the program's listener
  Slot* s = claim_slot(l, pid);
  if (s == nullptr) {
    if (!g_warned_no_slot) {
      g_warned_no_slot = true;
      log_line(
          "fd %d: all %d slots taken; this process keeps the shared listener (raise "
          "PERCORE_SLOTS)",
          fd, l.slot_count);
    }
    return;
  }
  const char* failed = nullptr;
  if (inode_of(s->fd) != s->ino) {
    failed = "slot descriptor was closed by the program";
  } else {
    copy_accept_options(fd, s->fd);
    if (g_config.steer == Steer::kCpu) {
      setsockopt(s->fd, SOL_SOCKET, SO_INCOMING_CPU, &s->cpu, sizeof(s->cpu));
    }
    if (g_real.listen(s->fd, l.backlog) != 0) failed = "listen";
  }
  if (failed == nullptr) {
    s->listening.store(1);
    int status_flags = fcntl(fd, F_GETFL);
    int fd_flags = fcntl(fd, F_GETFD);
    if (status_flags >= 0) fcntl(s->fd, F_SETFL, status_flags & O_NONBLOCK);
    if (g_real.dup3(s->fd, fd, fd_flags >= 0 && (fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
      failed = "dup3";
    }
  }
  if (failed != nullptr) {
    log_line("fd %d: %s: %s; keeping the shared listener", fd, failed, strerror(errno));
    release(l, *s, pid, s->fd);
    return;
  }
  int32_t not_yet = 0;
  if (l.retired.compare_exchange_strong(not_yet, 1)) shutdown(l.orig_fd, SHUT_RD);
  if (g_config.steer == Steer::kCpu && s->cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(s->cpu, &one);
    sched_setaffinity(0, sizeof(one), &one);
  }
  log_line("fd %d: own listener, slot %d%s%d", fd, static_cast<int>(s - l.slots),
           g_config.steer == Steer::kCpu ? ", cpu " : ", hash steering, cpu ",
           g_config.steer == Steer::kCpu ? s->cpu : -1);
}

// The program is closing (or dup-ing over) a tracked descriptor.
void forget(int fd) {
  Mark mark = static_cast<Mark>(g_mark[fd]);
  g_mark[fd] = kNone;
  if (mark != kListener) return;
  Listener* l = find_listener(fd);
  if (l == nullptr) return;
  int32_t pid = static_cast<int32_t>(getpid());
  if (pid == l->listen_pid) {
    // The master gives up the address: its extras go too, so the port is really free.
    if (inode_of(fd) != l->app_ino) return;
    int32_t live = kLive;
    if (!l->state.compare_exchange_strong(live, kClosed)) return;
    close_extras(*l, l->slot_count);
    return;
  }
  if (Slot* s = my_slot(*l, pid)) release(*l, *s, pid, fd);
}

// A child of this process has terminated: free whatever slot it held.
void reaped(pid_t child) {
  SharedTable* t = g_table.load(std::memory_order_acquire);
  if (t == nullptr || child <= 0) return;
  // Any process may reap (nginx daemonises, so its master is not the process that called
  // listen()); it acts only through a descriptor that is still the slot's socket.
  for (Listener& l : t->listeners) {
    if (l.state.load() != kLive) continue;
    for (int i = 0; i < l.slot_count; ++i) {
      Slot& s = l.slots[i];
      if (s.owner.load() == child && inode_of(s.fd) == s.ino) release(l, s, child, s.fd);
    }
  }
}

void after_wait(pid_t pid, int status) {
  if (pid > 0 && (WIFEXITED(status) || WIFSIGNALED(status))) reaped(pid);
}

const char* env_lookup_default(const char*) {
  return nullptr;
}

// Other libraries' constructors may run before ours and already call a hooked function (libcap-ng
// closes descriptors in its constructor): the first hook to run sets everything up.
inline void ensure_ready() {
  if (!g_ready.load(std::memory_order_acquire)) load_once();
}

}  // namespace

void load_once() {
  if (g_ready.load(std::memory_order_acquire)) return;
  int saved = errno;
  resolve_real_calls([](const char* name) { return dlsym(RTLD_NEXT, name); });
  init(program_invocation_short_name, [](const char* name) -> const char* { return getenv(name); });
  g_ready.store(true, std::memory_order_release);
  errno = saved;
}

void init(const char* program, EnvLookup env) {
  if (env == nullptr) env = env_lookup_default;
  char warning[256];
  parse_config(env, &g_config, warning, sizeof(warning));
  if (program != nullptr) {
    std::snprintf(g_program, sizeof(g_program), "%s", program);
  }
  if (sched_getaffinity(0, sizeof(g_mask), &g_mask) != 0) CPU_ZERO(&g_mask);
  g_off = g_config.off;
  if (warning[0] != '\0') log_line("%s", warning);
}

void resolve_real_calls(void* (*lookup)(const char* name)) {
  auto pick = [&](auto& slot, const char* name, auto fallback) {
    void* p = lookup != nullptr ? lookup(name) : nullptr;
    slot = p != nullptr ? reinterpret_cast<decltype(fallback)>(p) : fallback;
  };
  pick(g_real.listen, "listen", &sys_listen);
  pick(g_real.close, "close", &sys_close);
  pick(g_real.dup2, "dup2", &sys_dup2);
  pick(g_real.dup3, "dup3", &sys_dup3);
  pick(g_real.epoll_create, "epoll_create", &sys_epoll_create);
  pick(g_real.epoll_create1, "epoll_create1", &sys_epoll_create1);
  pick(g_real.epoll_ctl, "epoll_ctl", &sys_epoll_ctl);
  pick(g_real.waitpid, "waitpid", &sys_waitpid);
  pick(g_real.wait4, "wait4", &sys_wait4);
  pick(g_real.waitid, "waitid", &sys_waitid);
}

int on_listen(int fd, int backlog) {
  ensure_ready();
  if (g_off || fd < 0 || fd >= kMaxFd || g_mark[fd] == kPassthrough) {
    return g_real.listen(fd, backlog);
  }
  if (tracked(fd)) {
    Listener* l = find_listener(fd);
    if (l != nullptr && l->listen_pid == static_cast<int32_t>(getpid())) {
      // nginx listens twice (and again on reload): keep the backlog for later workers, and do
      // not put a retired original back into the group.
      l->backlog = backlog;
      if (l->retired.load() != 0) return 0;
    }
    return g_real.listen(fd, backlog);
  }
  ListenFacts facts;
  int reuseport = 0;
  int_option(fd, SOL_SOCKET, SO_DOMAIN, &facts.domain);
  int_option(fd, SOL_SOCKET, SO_TYPE, &facts.type);
  int_option(fd, SOL_SOCKET, SO_PROTOCOL, &facts.protocol);
  int_option(fd, SOL_SOCKET, SO_REUSEPORT, &reuseport);
  facts.app_reuseport = reuseport != 0;
  facts.cpus = count_cpus(g_mask);
  sockaddr_storage addr{};
  socklen_t addr_len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) == 0) {
    if (addr.ss_family == AF_INET) {
      facts.port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      facts.port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    }
  }
  Verdict verdict = decide(g_config, program_allowed(g_config, g_program), facts);
  if (verdict != Verdict::kSplit) {
    if (verdict != Verdict::kNotTcp) {
      log_line("fd %d port %d: %s; passthrough", fd, facts.port, verdict_text(verdict));
    }
    g_mark[fd] = kPassthrough;
    return g_real.listen(fd, backlog);
  }
  bool was_split = split(fd, backlog, facts, addr, addr_len);
  if (!was_split) g_mark[fd] = kPassthrough;
  int rc = g_real.listen(fd, backlog);
  if (rc != 0 && was_split) {
    int err = errno, zero = 0;
    forget(fd);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &zero, sizeof(zero));
    errno = err;
  }
  return rc;
}

int on_close(int fd) {
  ensure_ready();
  if (!g_off && marked(fd)) forget(fd);
  return g_real.close(fd);
}

int on_dup2(int oldfd, int newfd) {
  ensure_ready();
  if (!g_off && oldfd != newfd && marked(newfd)) forget(newfd);
  return g_real.dup2(oldfd, newfd);
}

int on_dup3(int oldfd, int newfd, int flags) {
  ensure_ready();
  if (!g_off && oldfd != newfd && marked(newfd)) forget(newfd);
  return g_real.dup3(oldfd, newfd, flags);
}

int on_epoll_create(int size) {
  ensure_ready();
  int fd = g_real.epoll_create(size);
  if (fd >= 0 && fd < kMaxFd) g_epoll_pid[fd] = static_cast<int32_t>(getpid());
  return fd;
}

int on_epoll_create1(int flags) {
  ensure_ready();
  int fd = g_real.epoll_create1(flags);
  if (fd >= 0 && fd < kMaxFd) g_epoll_pid[fd] = static_cast<int32_t>(getpid());
  return fd;
}

int on_epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  ensure_ready();
  if (!g_off && (op == EPOLL_CTL_ADD) && tracked(fd)) {
    if (Listener* l = find_listener(fd)) {
      int saved = errno;
      commit(*l, epfd, fd);
      errno = saved;
    }
  }
  return g_real.epoll_ctl(epfd, op, fd, event);
}

pid_t on_waitpid(pid_t pid, int* status, int options) {
  ensure_ready();
  int local = 0;
  pid_t rc = g_real.waitpid(pid, status != nullptr ? status : &local, options);
  if (!g_off && rc > 0) {
    int saved = errno;
    after_wait(rc, status != nullptr ? *status : local);
    errno = saved;
  }
  return rc;
}

pid_t on_wait4(pid_t pid, int* status, int options, rusage* usage) {
  ensure_ready();
  int local = 0;
  pid_t rc = g_real.wait4(pid, status != nullptr ? status : &local, options, usage);
  if (!g_off && rc > 0) {
    int saved = errno;
    after_wait(rc, status != nullptr ? *status : local);
    errno = saved;
  }
  return rc;
}

int on_waitid(idtype_t type, id_t id, siginfo_t* info, int options) {
  ensure_ready();
  int rc = g_real.waitid(type, id, info, options);
  if (!g_off && rc == 0 && info != nullptr && (options & WNOWAIT) == 0 && info->si_pid > 0 &&
      (info->si_code == CLD_EXITED || info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED)) {
    int saved = errno;
    reaped(info->si_pid);
    errno = saved;
  }
  return rc;
}

}  // namespace percore::preload
