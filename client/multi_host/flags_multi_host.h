// The flags that let one run be spread over several hosts, shared by every load command
// (http, echo, udp): --segment I/N, --start-at TIME
// and --hdr-log FILE.
#pragma once

#include <string>

#include <cxxopts.hpp>

#include "client/options.h"

namespace percore::client {

// `group`: the cxxopts help group (sweep parses them in one its --help leaves out).
void add_multi_host_options(cxxopts::Options& spec, const std::string& group = "");

// Reads --segment, --start-at and --hdr-log into *out, without dividing anything (each command
// divides its own quantities). False with a one-line *message on a bad value.
bool parse_multi_host(const cxxopts::ParseResult& r, RunOptions* out, std::string* message);

// For http/echo/sweep: runs after the command's own flags are filled: divides -c, -n and -R into
// this segment's share (and keeps -t within the share of -c). False with a one-line *message on a
// bad value or a share of nothing.
bool fill_multi_host(const cxxopts::ParseResult& r, Options* out, std::string* message);

}  // namespace percore::client
