// Parsers for the text the kernel exposes under /proc and /sys. Pure functions, so that the odd
// formats (tabs, trailing newlines, suffixes on the release string) are unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace percore::server::doctor {

struct KernelVersion {
  int major = 0;
  int minor = 0;
  bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
};

// "6.1.0-18-amd64" -> {6, 1}; nullopt when it does not start with "N.N".
std::optional<KernelVersion> parse_kernel_release(std::string_view release);

// One integer with surrounding whitespace, as in /proc/sys/net/core/somaxconn.
std::optional<long long> parse_integer(std::string_view text);

// "32768\t60999\n" (ip_local_port_range) -> {32768, 60999}.
std::optional<std::pair<int, int>> parse_port_range(std::string_view text);

// The interface of the default IPv4 route in /proc/net/route text, "" when there is none.
std::string default_route_interface(std::string_view proc_net_route);

// "performance" when every CPU agrees, else "powersave x3, performance x1" (sorted by count).
std::string summarize_governors(const std::vector<std::string>& per_cpu);

}  // namespace percore::server::doctor
