#include <fmt/format.h>

#include "client/command.h"
#include "client/sweep/sweep_command.h"

namespace percore::client {

int sweep_main(int, const char* const*) {
  fmt::print(stderr,
             "client: sweep is not available on Windows (it plots with gnuplot through "
             "posix_spawn); run client.exe echo once per -c instead\n");
  return kExitUsage;
}

}  // namespace percore::client
