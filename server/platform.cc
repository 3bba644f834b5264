#include "server/platform.h"

namespace percore::server::platform {

const SystemText kSystemText = {
    .name = "Linux",
    .help_note = "",
    .io_help = "event loop: epoll, uring or auto",
    .io_default = "epoll",
    .io_mistaken = "--io must be epoll, uring, auto or sockmap",
};

}  // namespace percore::server::platform
