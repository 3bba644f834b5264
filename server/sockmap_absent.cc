// Linked instead of server/sockmap/ when the build found no libbpf or no clang to compile BPF.
#include "server/sockmap_mode.h"

namespace percore::server {

std::string sockmap_unavailable_reason() {
  return "not built: libbpf-dev and clang were missing at build time (scripts/deps.sh bpf, then "
         "rebuild)";
}

std::unique_ptr<Mode> make_sockmap_echo(WorkerContext&, std::string* error) {
  *error = sockmap_unavailable_reason();
  return nullptr;
}

}  // namespace percore::server
