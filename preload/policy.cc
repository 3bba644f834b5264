#include "preload/policy.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace percore::preload {
namespace {

void copy_text(char* dst, size_t cap, const char* src) {
  size_t n = std::strlen(src);
  if (n >= cap) n = cap - 1;
  std::memcpy(dst, src, n);
  dst[n] = '\0';
}

void append_warning(char* warning, size_t len, const char* what, const char* value) {
  size_t used = std::strlen(warning);
  if (used + 1 >= len) return;
  std::snprintf(warning + used, len - used, "%s%s='%s' ignored", used ? "; " : "", what, value);
}

// Parses a whole decimal number in [lo, hi]; false for anything else.
bool parse_int(const char* text, long lo, long hi, long* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (*end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

bool parse_ports(const char* text, Config* out) {
  int count = 0;
  const char* p = text;
  while (*p != '\0') {
    const char* comma = std::strchr(p, ',');
    size_t n = comma ? static_cast<size_t>(comma - p) : std::strlen(p);
    char item[8];
    long port = 0;
    if (n == 0 || n >= sizeof(item) || count == kMaxPorts) return false;
    std::memcpy(item, p, n);
    item[n] = '\0';
    if (!parse_int(item, 1, 65535, &port)) return false;
    out->ports[count++] = static_cast<uint16_t>(port);
    p += n + (comma ? 1 : 0);
  }
  out->port_count = count;
  return count > 0;
}

}  // namespace

void parse_config(EnvLookup env, Config* out, char* warning, size_t warning_len) {
  if (warning_len > 0) warning[0] = '\0';
  if (const char* v = env("PERCORE")) {
    if (std::strcmp(v, "off") == 0 || std::strcmp(v, "0") == 0) {
      out->off = true;
    } else if (std::strcmp(v, "on") != 0 && std::strcmp(v, "1") != 0) {
      append_warning(warning, warning_len, "PERCORE", v);
    }
  }
  if (const char* v = env("PERCORE_SPLIT")) {
    if (std::strcmp(v, "force") == 0) {
      out->force = true;
    } else if (std::strcmp(v, "auto") != 0) {
      append_warning(warning, warning_len, "PERCORE_SPLIT", v);
    }
  }
  if (const char* v = env("PERCORE_ALLOW")) copy_text(out->allow, sizeof(out->allow), v);
  if (const char* v = env("PERCORE_LOG")) copy_text(out->log_path, sizeof(out->log_path), v);
  if (const char* v = env("PERCORE_PORTS"); v != nullptr && *v != '\0') {
    Config parsed;
    if (parse_ports(v, &parsed)) {
      std::memcpy(out->ports, parsed.ports, sizeof(out->ports));
      out->port_count = parsed.port_count;
    } else {
      append_warning(warning, warning_len, "PERCORE_PORTS", v);
    }
  }
  if (const char* v = env("PERCORE_SLOTS")) {
    long slots = 0;
    if (parse_int(v, 2, kMaxSlots, &slots)) {
      out->slots = static_cast<int>(slots);
    } else {
      append_warning(warning, warning_len, "PERCORE_SLOTS", v);
    }
  }
  if (const char* v = env("PERCORE_STEER")) {
    if (std::strcmp(v, "cpu") == 0) {
      out->steer = Steer::kCpu;
    } else if (std::strcmp(v, "hash") != 0) {
      append_warning(warning, warning_len, "PERCORE_STEER", v);
    }
  }
}

bool name_in_list(const char* name, const char* list) {
  size_t name_len = std::strlen(name);
  const char* p = list;
  while (*p != '\0') {
    const char* comma = std::strchr(p, ',');
    size_t n = comma ? static_cast<size_t>(comma - p) : std::strlen(p);
    if ((n == 1 && *p == '*') || (n == name_len && n > 0 && std::memcmp(p, name, n) == 0)) {
      return true;
    }
    p += n + (comma ? 1 : 0);
  }
  return false;
}

bool program_allowed(const Config& config, const char* program) {
  return config.force || name_in_list(program, config.allow);
}

bool port_allowed(const Config& config, int port) {
  if (config.port_count == 0) return true;
  for (int i = 0; i < config.port_count; ++i) {
    if (config.ports[i] == port) return true;
  }
  return false;
}

int default_slots(int cpus) {
  int slots = cpus * 4;
  if (slots < 16) slots = 16;
  return slots > kMaxSlots ? kMaxSlots : slots;
}

int count_cpus(const cpu_set_t& mask) {
  return CPU_COUNT(&mask);
}

int nth_cpu(const cpu_set_t& mask, int n) {
  int count = count_cpus(mask);
  if (count == 0) return -1;
  n %= count;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &mask) && n-- == 0) return cpu;
  }
  return -1;
}

Verdict decide(const Config& config, bool program_ok, const ListenFacts& facts) {
  if (config.off) return Verdict::kOff;
  if (!program_ok) return Verdict::kNotAllowed;
  if ((facts.domain != AF_INET && facts.domain != AF_INET6) || facts.type != SOCK_STREAM ||
      (facts.protocol != 0 && facts.protocol != IPPROTO_TCP)) {
    return Verdict::kNotTcp;
  }
  if (facts.port == 0) return Verdict::kUnbound;
  if (facts.app_reuseport) return Verdict::kAppReuseport;
  if (!port_allowed(config, facts.port)) return Verdict::kPortFiltered;
  if (facts.cpus < 2) return Verdict::kOneCpu;
  return Verdict::kSplit;
}

const char* verdict_text(Verdict verdict) {
  switch (verdict) {
    case Verdict::kSplit:
      return "split into per-worker listeners";
    case Verdict::kOff:
      return "PERCORE=off";
    case Verdict::kNotAllowed:
      return "program not on the allow-list (PERCORE_ALLOW, PERCORE_SPLIT=force)";
    case Verdict::kNotTcp:
      return "not a TCP/IP stream socket";
    case Verdict::kUnbound:
      return "not bound to a fixed port";
    case Verdict::kAppReuseport:
      return "the program set SO_REUSEPORT itself";
    case Verdict::kPortFiltered:
      return "port not in PERCORE_PORTS";
    case Verdict::kOneCpu:
      return "only one CPU in the inherited mask";
  }
  return "?";
}

}  // namespace percore::preload
