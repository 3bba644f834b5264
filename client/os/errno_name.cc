#include "client/os/errno_name.h"

#include <string.h>

#include <fmt/format.h>

namespace percore::client {

std::string errno_name(int err) {
  const char* name = err > 0 ? strerrorname_np(err) : nullptr;
  return name != nullptr ? std::string(name) : fmt::format("E{}", err);
}

std::string errno_text(int err) {
  return fmt::format("{} ({})", strerror(err), errno_name(err));
}

}  // namespace percore::client
