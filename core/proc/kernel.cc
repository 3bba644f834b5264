#include "core/proc/kernel.h"

#include <sys/utsname.h>

#include <cstdio>

namespace percore::proc {

bool kernel_at_least(int major, int minor) {
  utsname u{};
  int have_major = 0, have_minor = 0;
  if (uname(&u) != 0 || std::sscanf(u.release, "%d.%d", &have_major, &have_minor) != 2) {
    return false;
  }
  return have_major > major || (have_major == major && have_minor >= minor);
}

int tcp_migrate_req() {
  FILE* f = std::fopen("/proc/sys/net/ipv4/tcp_migrate_req", "re");
  if (f == nullptr) return -1;
  int value = -1;
  if (std::fscanf(f, "%d", &value) != 1) value = -1;
  std::fclose(f);
  return value;
}

}  // namespace percore::proc
