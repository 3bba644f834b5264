// Process-wide logging to the -o file through spdlog. Each process (master, every worker) opens
// the file in append mode and names itself in every line.
#pragma once

#include <string>

namespace percore::log {

// Returns false (with *error) when the file cannot be opened.
bool init(const std::string& path, bool debug, const std::string& process_name, std::string* error);

// Re-opens the file (after logrotate moved it away); called on SIGUSR1.
void reopen();

}  // namespace percore::log
