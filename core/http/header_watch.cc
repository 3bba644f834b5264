#include "core/http/header_watch.h"

#include <string_view>

namespace percore::http {
namespace {

constexpr std::string_view kHost = "host";
constexpr std::string_view kExpect = "expect";
constexpr std::string_view kContinue = "100-continue";

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether `at` continues `word` from position `pos`, ignoring ASCII case.
bool continues(std::string_view word, size_t pos, const char* at, size_t len) {
  if (pos + len > word.size()) return false;
  for (size_t i = 0; i < len; ++i) {
    if (lower(at[i]) != word[pos + i]) return false;
  }
  return true;
}

}  // namespace

void HeaderWatch::on_field(const char* at, size_t len) {
  if (in_value_) end_field();
  if (name_host_) name_host_ = continues(kHost, name_len_, at, len);
  if (name_expect_) name_expect_ = continues(kExpect, name_len_, at, len);
  name_len_ += static_cast<uint32_t>(len);
}

void HeaderWatch::on_value(const char* at, size_t len) {
  if (!in_value_) {
    in_value_ = true;
    name_ = name_host_ && name_len_ == kHost.size()       ? Name::kHost
            : name_expect_ && name_len_ == kExpect.size() ? Name::kExpect
                                                          : Name::kOther;
  }
  if (name_ != Name::kExpect) return;
  // http-parser drops leading whitespace; trailing whitespace is not part of the value either.
  for (size_t i = 0; i < len; ++i) {
    if (at[i] == ' ' || at[i] == '\t') {
      ++value_ws_;
      continue;
    }
    // A byte after whitespace: the whitespace was inside the value.
    if (value_ws_ > 0) value_matches_ = false;
    if (value_matches_) value_matches_ = continues(kContinue, value_len_, at + i, 1);
    ++value_len_;
  }
}

void HeaderWatch::end_field() {
  if (!in_value_ && name_len_ > 0) {
    // A field with an empty value: http-parser may call on_header_value not at all.
    on_value(nullptr, 0);
  }
  if (in_value_) {
    if (name_ == Name::kHost && hosts_ < 255) ++hosts_;
    if (name_ == Name::kExpect) {
      bool is_continue = value_matches_ && value_len_ == kContinue.size();
      if (!is_continue) {
        expect_ = Expect::kOther;
      } else if (expect_ == Expect::kNone) {
        expect_ = Expect::kContinue;
      }
    }
  }
  uint8_t hosts = hosts_;
  Expect expect = expect_;
  *this = HeaderWatch{};
  hosts_ = hosts;
  expect_ = expect;
}

}  // namespace percore::http
