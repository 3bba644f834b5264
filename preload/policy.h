// The decisions of libpercore_preload.so that need no system call: configuration from the
// environment, the allow-list, the port filter, the CPU mask, and whether one listen() is split.
// Kept apart from the hooks so unit tests can drive every branch without preloading anything.
// No allocation, no exceptions: this code runs inside other people's programs.
#pragma once

#include <sched.h>

#include <cstddef>
#include <cstdint>

namespace percore::preload {

inline constexpr int kMaxSlots = 128;
inline constexpr int kMaxPorts = 16;

enum class Steer : uint8_t { kHash, kCpu };

struct Config {
  bool off = false;    // PERCORE=off: every hook calls straight through
  bool force = false;  // PERCORE_SPLIT=force: split whatever program this is
  char allow[256] = "nginx,lighttpd,openresty,tengine";  // PERCORE_ALLOW
  char log_path[256] = "";                               // PERCORE_LOG
  uint16_t ports[kMaxPorts] = {};                        // PERCORE_PORTS (empty: any)
  int port_count = 0;
  int slots = 0;               // PERCORE_SLOTS: listeners per address (0: default_slots())
  Steer steer = Steer::kHash;  // PERCORE_STEER
};

using EnvLookup = const char* (*)(const char* name);

// Fills *out from the environment. A value it cannot use keeps the default and is described in
// `warning` (empty when all was well), which the caller logs: bad configuration never stops the
// host program.
void parse_config(EnvLookup env, Config* out, char* warning, size_t warning_len);

// True when `name` is one of the comma-separated entries of `list` ("*" matches everything).
bool name_in_list(const char* name, const char* list);

bool program_allowed(const Config& config, const char* program);
bool port_allowed(const Config& config, int port);

// Slots per listening address when PERCORE_SLOTS is not set: four per usable CPU, at least 16.
// More slots than workers keeps room for a reload, when the new workers start while the old
// ones still hold their listeners.
int default_slots(int cpus);

int count_cpus(const cpu_set_t& mask);
// The n-th CPU (n taken modulo the count) of the mask, or -1 for an empty mask.
int nth_cpu(const cpu_set_t& mask, int n);

// What one listen() call looks like, gathered by the hook with getsockopt/getsockname.
struct ListenFacts {
  int domain = 0;
  int type = 0;
  int protocol = 0;
  int port = 0;  // 0: not bound (the kernel would pick one)
  bool app_reuseport = false;
  int cpus = 0;  // usable CPUs in the inherited mask
};

enum class Verdict : uint8_t {
  kSplit,
  kOff,
  kNotAllowed,
  kNotTcp,
  kUnbound,
  kAppReuseport,
  kPortFiltered,
  kOneCpu,
};

Verdict decide(const Config& config, bool program_ok, const ListenFacts& facts);
const char* verdict_text(Verdict verdict);

}  // namespace percore::preload
