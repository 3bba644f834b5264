#include "server/subcommand.h"

#include <cstring>

#include "server/doctor/doctor_main.h"
#include "server/preload_launcher.h"

namespace percore::server {

bool run_subcommand(int argc, char** argv, int* rc) {
  if (argc >= 2 && std::strcmp(argv[1], "preload") == 0) {
    *rc = run_preload_launcher(argc - 2, argv + 2);
    return true;
  }
  if (doctor::wants_doctor(argc, argv)) {
    *rc = doctor::run_doctor(argc, argv);
    return true;
  }
  return false;
}

}  // namespace percore::server
