// Command-line parsing for `client http|echo|sweep [options] TARGET` (cxxopts), with every value
// validated so that a mistake is one clear line and exit code 2 before anything starts.
#pragma once

#include <string>

#include "client/options.h"

namespace percore::client {

enum class ParseStatus { kOk, kHelp, kError };

// argv[0] is the program, argv[1] the mode ("http", "echo", "sweep"). On kHelp, *message holds the
// help text; on kError, a one-line reason.
ParseStatus parse_flags(int argc, const char* const* argv, Options* out, std::string* message);

}  // namespace percore::client
