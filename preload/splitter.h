// The work behind each intercepted call of libpercore_preload.so. interpose.cc exports the C
// symbols and forwards here; keeping them apart lets the micro-benchmark call the hooks directly.
//
// The life of a split listener:
//  1. The master's listen() on an eligible socket: set SO_REUSEPORT on it, create and bind
//     `slots` extra sockets for the same address (still as the master, before any privilege
//     drop), then really listen.
//  2. A forked worker registers the listener with an epoll set it created itself: it claims a
//     free slot, listens on that slot's socket and dup3()s it onto the program's fd number, then
//     the registration goes ahead on the worker's own listener. The first worker to do so takes
//     the program's original socket out of the group (shutdown SHUT_RD; with
//     net.ipv4.tcp_migrate_req=1 its queue moves to the workers' listeners).
//  3. A worker that closes its listener, or dies and is reaped by the master, frees its slot:
//     the slot's socket leaves the group with shutdown(SHUT_RD) (its queue migrates) unless it is
//     the last one with an owner, which stays listening so its queue waits for the next worker.
// Anything unexpected leaves the call exactly as the program made it, with one log line.
#pragma once

#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "preload/policy.h"

namespace percore::preload {

// The functions the hooks stand in front of, resolved with dlsym(RTLD_NEXT) at load; a symbol
// that cannot be resolved falls back to the raw system call, never to a lookup in the hook.
struct RealCalls {
  int (*listen)(int, int);
  int (*close)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*epoll_create)(int);
  int (*epoll_create1)(int);
  int (*epoll_ctl)(int, int, int, epoll_event*);
  pid_t (*waitpid)(pid_t, int*, int);
  pid_t (*wait4)(pid_t, int*, int, rusage*);
  int (*waitid)(idtype_t, id_t, siginfo_t*, int);
};

extern RealCalls g_real;
extern bool g_off;  // PERCORE=off, or initialisation found something wrong

// Resolves the real functions with dlsym(RTLD_NEXT) and reads the environment, once; the
// constructor calls it, and so does the first hook if another library's constructor runs first.
void load_once();

// Called once by load_once(): parses the environment and remembers the program's
// name (copied now: servers such as nginx overwrite argv[0] later).
void init(const char* program, EnvLookup env);
// Fills g_real; missing symbols get system-call fallbacks.
void resolve_real_calls(void* (*lookup)(const char* name));

int on_listen(int fd, int backlog);
int on_close(int fd);
int on_dup2(int oldfd, int newfd);
int on_dup3(int oldfd, int newfd, int flags);
int on_epoll_create(int size);
int on_epoll_create1(int flags);
int on_epoll_ctl(int epfd, int op, int fd, epoll_event* event);
pid_t on_waitpid(pid_t pid, int* status, int options);
pid_t on_wait4(pid_t pid, int* status, int options, rusage* usage);
int on_waitid(idtype_t type, id_t id, siginfo_t* info, int options);

}  // namespace percore::preload
