#include "server/programmable/target_spec.h"

#include <charconv>
#include <cstdio>

namespace percore::server::programmable {
namespace {

void fail(SpecError* error, std::string_view name, std::string_view value, const char* want) {
  std::snprintf(error->text, sizeof(error->text), "bad value for %.*s: '%.*s' (%s)",
                static_cast<int>(std::min<size_t>(name.size(), 32)), name.data(),
                static_cast<int>(std::min<size_t>(value.size(), 40)), value.data(), want);
}

bool parse_int(std::string_view text, int64_t low, int64_t high, int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < low || v > high) return false;
  *out = v;
  return true;
}

bool parse_flag(std::string_view text, bool* out) {
  if (text == "1" || text == "true") {
    *out = true;
  } else if (text == "0" || text == "false") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool parse_delay(std::string_view text, int64_t* ns) {
  if (text == "0") {
    *ns = 0;
    return true;
  }
  size_t unit_at = text.find_first_not_of("0123456789.");
  if (unit_at == 0 || unit_at == std::string_view::npos) return false;
  std::string_view number = text.substr(0, unit_at), unit = text.substr(unit_at);
  int64_t scale = 0;
  if (unit == "us") {
    scale = 1'000;
  } else if (unit == "ms") {
    scale = 1'000'000;
  } else if (unit == "s") {
    scale = 1'000'000'000;
  } else {
    return false;
  }
  // Whole and fractional parts separately: exact for the values people type, and no locale.
  size_t dot = number.find('.');
  int64_t whole = 0, frac = 0, frac_scale = 1;
  std::string_view whole_text = number.substr(0, dot);
  if (!whole_text.empty() && !parse_int(whole_text, 0, kMaxDelayNs, &whole)) return false;
  if (dot != std::string_view::npos) {
    std::string_view frac_text = number.substr(dot + 1);
    if (frac_text.empty() || frac_text.size() > 9 ||
        frac_text.find('.') != std::string_view::npos ||
        !parse_int(frac_text, 0, 999'999'999, &frac)) {
      return false;
    }
    for (size_t i = 0; i < frac_text.size(); ++i) frac_scale *= 10;
  } else if (whole_text.empty()) {
    return false;
  }
  if (whole > kMaxDelayNs / scale) return false;
  int64_t total = whole * scale + frac * scale / frac_scale;
  if (total > kMaxDelayNs) return false;
  *ns = total;
  return true;
}

bool apply_param(std::string_view name, std::string_view value, TargetSpec* spec,
                 SpecError* error) {
  int64_t n = 0;
  if (name == "status") {
    // 1xx would announce another response to come; below 200 is not a final answer.
    if (!parse_int(value, 200, 599, &n)) return fail(error, name, value, "200..599"), false;
    spec->status = static_cast<int>(n);
  } else if (name == "size") {
    if (!parse_int(value, 0, kMaxBodyBytes, &n)) {
      return fail(error, name, value, "0..67108864 bytes"), false;
    }
    spec->size = n;
  } else if (name == "delay") {
    if (!parse_delay(value, &n)) {
      return fail(error, name, value, "a duration with a unit: 250us, 100ms, 1.5s; at most 1h"),
             false;
    }
    spec->delay_ns = n;
    spec->delay_given = true;
  } else if (name == "chunked") {
    if (!parse_flag(value, &spec->chunked)) return fail(error, name, value, "0 or 1"), false;
  } else if (name == "chunk") {
    if (!parse_int(value, 1, kMaxBodyBytes, &n)) {
      return fail(error, name, value, "1..67108864 bytes"), false;
    }
    spec->chunk = n;
    spec->chunked = true;
  } else if (name == "close") {
    if (!parse_flag(value, &spec->close)) return fail(error, name, value, "0 or 1"), false;
  } else if (name == "reset") {
    if (!parse_flag(value, &spec->reset)) return fail(error, name, value, "0 or 1"), false;
  } else if (name == "drop") {
    if (!parse_flag(value, &spec->drop)) return fail(error, name, value, "0 or 1"), false;
  } else if (name == "headers") {
    if (!parse_int(value, 0, kMaxExtraHeaders, &n))
      return fail(error, name, value, "0..1000"), false;
    spec->headers = static_cast<int>(n);
  } else {
    std::snprintf(error->text, sizeof(error->text),
                  "unknown parameter '%.*s' (known: status size delay chunked chunk close reset "
                  "drop headers)",
                  static_cast<int>(std::min<size_t>(name.size(), 32)), name.data());
    return false;
  }
  return true;
}

bool check_spec(const TargetSpec& spec, int64_t default_size, SpecError* error) {
  int64_t size = spec.size < 0 ? default_size : spec.size;
  if (spec.chunked && spec.chunk > 0 && (size + spec.chunk - 1) / spec.chunk > kMaxChunks) {
    std::snprintf(error->text, sizeof(error->text),
                  "size/chunk gives more than %lld chunks: use a larger chunk",
                  static_cast<long long>(kMaxChunks));
    return false;
  }
  return true;
}

bool apply_query(std::string_view target, TargetSpec* spec, SpecError* error) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return true;
  std::string_view query = target.substr(q + 1);
  size_t hash = query.find('#');
  if (hash != std::string_view::npos) query = query.substr(0, hash);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2" and a trailing '&' are harmless
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      std::snprintf(error->text, sizeof(error->text), "parameter '%.*s' has no value (name=value)",
                    static_cast<int>(std::min<size_t>(pair.size(), 32)), pair.data());
      return false;
    }
    if (!apply_param(pair.substr(0, eq), pair.substr(eq + 1), spec, error)) return false;
  }
  return true;
}

}  // namespace percore::server::programmable
