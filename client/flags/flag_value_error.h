// cxxopts reports a bad number as "Argument 'abc' failed to parse", without the flag it was
// given to. This finds that flag on the command line, so the one-line error can name it.
#pragma once

#include <string>

namespace percore::client {

// `what` is the exception's message; argv as the command got it (argv[0] the mode word or the
// program). Returns "-c/--connections: 'abc' is not a valid value" style text when the value is
// found after a flag (or as --flag=value), else `what` unchanged.
std::string name_the_flag(const std::string& what, int argc, const char* const* argv);

}  // namespace percore::client
