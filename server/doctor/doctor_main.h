// `server doctor` (also `server --doctor`): what this machine offers and lacks for percore.
#pragma once

namespace percore::server::doctor {

// True when argv asks for the doctor rather than a server run.
bool wants_doctor(int argc, char** argv);

// Parses the doctor's own flags (--json, --for ADDRESS) and prints the report. Returns 0 after
// any report, whatever it found; 2 for a usage error.
int run_doctor(int argc, char** argv);

}  // namespace percore::server::doctor
