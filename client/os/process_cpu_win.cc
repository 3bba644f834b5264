#include <windows.h>

#include <cstdint>

#include "client/os/process_cpu.h"

namespace percore::client {

double process_cpu_seconds() {
  FILETIME created, exited, kernel, user;
  if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user)) return 0;
  // FILETIME counts 100 ns units.
  auto s = [](const FILETIME& t) {
    return static_cast<double>((uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime) / 1e7;
  };
  return s(user) + s(kernel);
}

}  // namespace percore::client
