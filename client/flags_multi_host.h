// The flags that let one run be spread over several hosts, shared by every load command
// (http, echo, and any later one that goes through parse_flags): --segment I/N, --start-at TIME
// and --hdr-log FILE.
#pragma once

#include <string>

#include <cxxopts.hpp>

#include "client/options.h"

namespace percore::client {

void add_multi_host_options(cxxopts::Options& spec);

// Runs after the command's own flags are filled: divides -c, -n and -R into this segment's
// share (and keeps -t within the share of -c). False with a one-line *message on a bad value
// or a share of nothing.
bool fill_multi_host(const cxxopts::ParseResult& r, Options* out, std::string* message);

}  // namespace percore::client
