#include "server/platform.h"

namespace percore::server::platform {

const SystemText kSystemText = {
    .name = "Windows",
    .help_note =
        ". On Windows the workers are pinned threads of one process, each with its own "
        "I/O completion port, sharing one listener per address (Windows has no "
        "SO_REUSEPORT)",
    .io_help = "event loop: iocp (the only one on Windows; auto means iocp)",
    .io_default = "iocp",
    .io_mistaken = "--io must be iocp on Windows (epoll, uring and sockmap are Linux event loops)",
};

}  // namespace percore::server::platform
