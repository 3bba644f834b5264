// The exported symbols of libpercore_preload.so. Each forwards to splitter.cc; nothing else is
// interposed: no read/write/send/recv path and no signal function, so a program's data and
// signal handling never pass through this library.
#include "preload/splitter.h"

namespace {

// Runs when the library is loaded. It does nothing that can fail the program; the hooks run it
// themselves when another library's constructor calls one first.
__attribute__((constructor)) void percore_preload_load() {
  percore::preload::load_once();
}

}  // namespace

#define PERCORE_EXPORT extern "C" __attribute__((visibility("default")))

PERCORE_EXPORT int listen(int fd, int backlog) {
  return percore::preload::on_listen(fd, backlog);
}
PERCORE_EXPORT int close(int fd) {
  return percore::preload::on_close(fd);
}
PERCORE_EXPORT int dup2(int oldfd, int newfd) {
  return percore::preload::on_dup2(oldfd, newfd);
}
PERCORE_EXPORT int dup3(int oldfd, int newfd, int flags) {
  return percore::preload::on_dup3(oldfd, newfd, flags);
}
PERCORE_EXPORT int epoll_create(int size) {
  return percore::preload::on_epoll_create(size);
}
PERCORE_EXPORT int epoll_create1(int flags) {
  return percore::preload::on_epoll_create1(flags);
}
PERCORE_EXPORT int epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  return percore::preload::on_epoll_ctl(epfd, op, fd, event);
}
PERCORE_EXPORT pid_t waitpid(pid_t pid, int* status, int options) {
  return percore::preload::on_waitpid(pid, status, options);
}
PERCORE_EXPORT pid_t wait(int* status) {
  return percore::preload::on_wait4(-1, status, 0, nullptr);
}
PERCORE_EXPORT pid_t wait4(pid_t pid, int* status, int options, rusage* usage) {
  return percore::preload::on_wait4(pid, status, options, usage);
}
PERCORE_EXPORT int waitid(idtype_t type, id_t id, siginfo_t* info, int options) {
  return percore::preload::on_waitid(type, id, info, options);
}
