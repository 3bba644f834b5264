// Windows: `preload` and `doctor` are Linux tools (LD_PRELOAD, io_uring and sysctl probes); there
// they are ordinary arguments, refused by the flag parser like any other.
#include "server/subcommand.h"

namespace percore::server {

bool run_subcommand(int, char**, int*) {
  return false;
}

}  // namespace percore::server
