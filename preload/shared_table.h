// The state libpercore_preload.so shares between a pre-fork server's master and its workers: one
// record per split listening address, in MAP_SHARED anonymous memory mapped by the master at its
// first split listen(), so every worker forked afterwards sees (and updates) the same slots.
// Only lock-free atomics change it, so a hook interrupted by a signal handler that enters another
// hook cannot deadlock.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "preload/policy.h"

namespace percore::preload {

inline constexpr int kMaxListeners = 16;

// One extra listener of an address. Created and bound (not listening) by the master, so that it
// exists before any privilege drop; a worker claims it by CAS on `owner`, listens on it and
// moves it onto the fd number where the program keeps its listener.
struct Slot {
  std::atomic<int32_t> owner;      // pid of the worker using it, 0 when free
  std::atomic<int32_t> listening;  // in the SO_REUSEPORT group (listen()ed, not shut down)
  int32_t fd;                      // the master's descriptor (inherited by every worker)
  int32_t cpu;                     // steer=cpu: the CPU its owner is pinned to
  uint64_t ino;                    // socket inode, to recognise the descriptor later
};

enum ListenerState : int32_t { kFree = 0, kSettingUp, kLive, kClosed };

struct Listener {
  std::atomic<int32_t> state;
  int32_t app_fd;      // the program's descriptor number in the master
  int32_t orig_fd;     // a private duplicate of the program's socket (high, close-on-exec)
  int32_t listen_pid;  // the process that called listen(): it never takes a slot
  int32_t backlog;
  int32_t slot_count;
  uint64_t app_ino;
  // Set once the first worker has its own listener: the program's socket then leaves the group
  // (shutdown SHUT_RD), so no connection waits on a socket no worker is watching.
  std::atomic<int32_t> retired;
  std::atomic<int32_t> owned;  // slots with an owner
  Slot slots[kMaxSlots];
};

struct SharedTable {
  Listener listeners[kMaxListeners];
};

}  // namespace percore::preload
