#include "client/flags/flag_value_error.h"

#include <string_view>

namespace percore::client {
namespace {

// The value between the quotes of "Argument 'X' failed to parse"; cxxopts 3 uses the typographic
// quotes U+2018 and U+2019, older releases plain ones.
bool quoted_value(std::string_view what, std::string* out) {
  if (what.find("failed to parse") == std::string_view::npos) return false;
  for (auto [open, close] :
       {std::pair<std::string_view, std::string_view>{"\u2018", "\u2019"}, {"'", "'"}}) {
    size_t a = what.find(open);
    if (a == std::string_view::npos) continue;
    a += open.size();
    size_t b = what.find(close, a);
    if (b == std::string_view::npos) continue;
    *out = std::string(what.substr(a, b - a));
    return true;
  }
  return false;
}

}  // namespace

std::string name_the_flag(const std::string& what, int argc, const char* const* argv) {
  std::string value;
  if (!quoted_value(what, &value)) return what;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string_view::npos && arg.substr(eq + 1) == value) {
      return std::string(arg.substr(0, eq)) + ": '" + value + "' is not a valid value";
    }
    if (arg == value && i > 1 && argv[i - 1][0] == '-') {
      return std::string(argv[i - 1]) + ": '" + value + "' is not a valid value";
    }
    // -cabc: a short flag with its value attached.
    if (arg.size() > 2 && arg[0] == '-' && arg[1] != '-' && arg.substr(2) == value) {
      return std::string(arg.substr(0, 2)) + ": '" + value + "' is not a valid value";
    }
  }
  return what;
}

}  // namespace percore::client
