// Gathers the facts `server doctor` judges: files under /proc and /sys, and short-lived sockets
// and rings that try each feature for real. Nothing here changes the machine.
#pragma once

#include <string>

#include "server/doctor/facts.h"

namespace percore::server::doctor {

// for_address: an IPv4 or IPv6 address whose route names the NIC to look at; "" means the
// default route. A bad address is reported in facts.nic.error, not as a failure.
Facts gather_facts(const std::string& for_address);

// Finds the interface the kernel would send to `address` through (no packet is sent).
NicFacts nic_facts_for(const std::string& address);

}  // namespace percore::server::doctor
