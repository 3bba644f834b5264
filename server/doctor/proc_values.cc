#include "server/doctor/proc_values.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>

namespace percore::server::doctor {
namespace {

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Parses a leading run of digits; advances *s past it.
std::optional<long long> take_number(std::string_view* s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || end == s->data()) return std::nullopt;
  s->remove_prefix(static_cast<size_t>(end - s->data()));
  return v;
}

}  // namespace

std::optional<KernelVersion> parse_kernel_release(std::string_view release) {
  std::string_view s = trim(release);
  auto major = take_number(&s);
  if (!major || s.empty() || s.front() != '.') return std::nullopt;
  s.remove_prefix(1);
  auto minor = take_number(&s);
  if (!minor) return std::nullopt;
  return KernelVersion{static_cast<int>(*major), static_cast<int>(*minor)};
}

std::optional<long long> parse_integer(std::string_view text) {
  std::string_view s = trim(text);
  bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  auto v = take_number(&s);
  if (!v || !s.empty()) return std::nullopt;
  return negative ? -*v : *v;
}

std::optional<std::pair<int, int>> parse_port_range(std::string_view text) {
  std::string_view s = trim(text);
  auto low = take_number(&s);
  if (!low) return std::nullopt;
  s = trim(s);
  auto high = take_number(&s);
  if (!high || !trim(s).empty() || *low < 1 || *high > 65535 || *low > *high) return std::nullopt;
  return std::make_pair(static_cast<int>(*low), static_cast<int>(*high));
}

std::string default_route_interface(std::string_view proc_net_route) {
  // Columns: Iface Destination Gateway Flags RefCnt Use Metric Mask ...; the first line is a
  // header. The default route has destination and mask 00000000; the lowest metric wins.
  std::istringstream in{std::string(proc_net_route)};
  std::string line, best;
  long long best_metric = -1;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string iface, dest, gateway, flags, refcnt, use, metric, mask;
    if (!(fields >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
    if (dest != "00000000" || mask != "00000000") continue;
    auto m = parse_integer(metric);
    if (!m) continue;
    if (best_metric < 0 || *m < best_metric) {
      best = iface;
      best_metric = *m;
    }
  }
  return best;
}

std::string summarize_governors(const std::vector<std::string>& per_cpu) {
  std::map<std::string, int> counts;
  for (const std::string& g : per_cpu) ++counts[std::string(trim(g))];
  if (counts.size() == 1) return counts.begin()->first;
  std::vector<std::pair<std::string, int>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [name, n] : sorted) {
    if (!out.empty()) out += ", ";
    out += name + " x" + std::to_string(n);
  }
  return out;
}

}  // namespace percore::server::doctor
