// Parses a `client` command line for the flag tests, as main() would see it.
#pragma once

#include <string>
#include <vector>

#include "client/flags/flags.h"

namespace percore::client {

inline ParseStatus parse_args(std::vector<std::string> args, Options* o, std::string* msg) {
  std::vector<const char*> argv = {"client"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return parse_flags(static_cast<int>(argv.size()), argv.data(), o, msg);
}

}  // namespace percore::client
