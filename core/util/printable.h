// Text from a command line or a URL quoted back in a one-line error: control characters (a
// newline in an argument, say) are shown as \xNN so the error stays one line on the terminal.
#pragma once

#include <string>
#include <string_view>

namespace percore::util {

inline std::string printable(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace percore::util
