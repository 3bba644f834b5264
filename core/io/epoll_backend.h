// Readiness-based backend (any Linux with epoll): fulfils each request by trying the syscall at
// once and, on EAGAIN, waiting for an edge-triggered readiness event and trying again.
#pragma once

#include <memory>
#include <string>

#include "core/io/backend.h"

namespace percore::io {

std::unique_ptr<Backend> make_epoll_backend(std::string* error);

}  // namespace percore::io
