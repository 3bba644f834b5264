// `client merge [--json FILE] [--fail-if T] RESULT.json...`: flags, reading, printing.
#pragma once

namespace percore::client {

// argv[1] is "merge". Exit codes as for a run: 0, 1 (a result could not be read or written),
// 2 (usage, or results of different kinds: http and udp, udp and udp --sink), 3 (a --fail-if
// threshold crossed). http, echo and udp results merge, each kind with its own.
int merge_main(int argc, const char* const* argv);

}  // namespace percore::client
