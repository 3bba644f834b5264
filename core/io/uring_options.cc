// The io_uring backend's options from the environment: which newer-kernel techniques are off
// (PERCORE_URING_OFF, PERCORE_URING_ON) and the receive ring's shape (PERCORE_URING_BUFFERS).
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/io/uring_backend.h"

namespace percore::io {

namespace {

// Sets each feature named in the comma-separated `list` to `on`; false with *error on a name
// that is not one.
bool apply_feature_list(const char* variable, const char* value, bool on, UringOptions* o,
                        std::string* error) {
  if (value == nullptr) return true;
  std::string_view list(value);
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (name == "lend") {
      o->lend = on;
    } else if (name == "bundle") {
      o->bundle = on;
    } else if (name == "link-close") {
      o->link_close = on;
    } else if (name == "recv-limit") {
      o->recv_limit = on;
    } else if (!name.empty()) {
      *error = std::string(variable) + ": unknown feature '" + std::string(name) +
               "' (lend, bundle, link-close, recv-limit)";
      return false;
    }
  }
  return true;
}

// Reads a decimal number with an optional k/K (KiB) or m/M (MiB) suffix that ends `text`.
bool parse_count(std::string_view text, uint32_t* out) {
  uint64_t unit = 1;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) unit = 1 << 10;
  if (!text.empty() && (text.back() == 'm' || text.back() == 'M')) unit = 1 << 20;
  if (unit != 1) text.remove_suffix(1);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return false;
  if (v > UINT32_MAX / unit) return false;  // checked before multiplying: no wrap-around
  *out = static_cast<uint32_t>(v * unit);
  return true;
}

// PERCORE_URING_BUFFERS=COUNTxSIZE: the receive ring's shape. Fewer, larger buffers cost fewer
// completions per byte when messages are large; more, smaller ones let more sockets hold data at
// once when they are small (docs/tuning.md has the measurements).
bool apply_buffers(const char* value, UringOptions* o, std::string* error) {
  if (value == nullptr || *value == '\0') return true;
  std::string_view text(value);
  size_t x = text.find_first_of("xX");
  uint32_t count = 0, size = 0;
  bool ok = x != std::string_view::npos && parse_count(text.substr(0, x), &count) &&
            parse_count(text.substr(x + 1), &size);
  if (!ok || count == 0 || count > 32768 || (count & (count - 1)) != 0 || size < 1024 ||
      size > (1u << 20)) {
    *error = "PERCORE_URING_BUFFERS: '" + std::string(text) +
             "' is not COUNTxSIZE with COUNT a power of two up to 32768 and SIZE 1k to 1m "
             "(e.g. 256x16k)";
    return false;
  }
  o->buffer_count = count;
  o->buffer_size = size;
  return true;
}

}  // namespace

UringOptions uring_defaults_for(Traffic traffic) {
  UringOptions o;
  if (traffic == Traffic::kStreams) {
    o.buffer_count = 128;
    o.buffer_size = 64 << 10;
  }
  return o;
}

UringOptions uring_options_from_env(std::string* error) {
  return uring_options_from_env(UringOptions(), error);
}

UringOptions uring_options_from_env(const UringOptions& defaults, std::string* error) {
  UringOptions o = defaults;
  error->clear();
  if (!apply_feature_list("PERCORE_URING_ON", std::getenv("PERCORE_URING_ON"), true, &o, error) ||
      !apply_feature_list("PERCORE_URING_OFF", std::getenv("PERCORE_URING_OFF"), false, &o,
                          error)) {
    return o;
  }
  apply_buffers(std::getenv("PERCORE_URING_BUFFERS"), &o, error);
  return o;
}

}  // namespace percore::io
