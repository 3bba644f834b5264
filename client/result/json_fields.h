// One list of a result's stored JSON fields serves both directions, so that a field written is a
// field read back (`client merge`). A protocol writes its list once, as a function template that
// calls `field(path, member)` for each field (path: a JSON pointer, "/connections/configured");
// JsonWriter writes the members, JsonReader reads them back. An optional field missing from an
// older file keeps the member's value; a required one makes the read fail (nlohmann's
// out_of_range, which the readers report as a malformed result).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace percore::client {

enum class Need { kOptional, kRequired };

// A nanosecond member shown in a coarser unit: `ns_per_unit` 1e6 for "_ms", 1e9 for "_s".
template <class Int>
struct InUnit {
  Int& ns;
  double ns_per_unit;
};
template <class Int>
InUnit(Int&, double) -> InUnit<Int>;

class JsonWriter {
 public:
  explicit JsonWriter(nlohmann::json* out) : out_(out) {}
  template <class T>
  void operator()(const char* path, const T& value, Need = Need::kOptional) {
    (*out_)[nlohmann::json::json_pointer(path)] = value;
  }
  template <class Int>
  void operator()(const char* path, InUnit<Int> v, Need need = Need::kOptional) {
    (*this)(path, static_cast<double>(v.ns) / v.ns_per_unit, need);
  }

 private:
  nlohmann::json* out_;
};

class JsonReader {
 public:
  explicit JsonReader(const nlohmann::json& in) : in_(in) {}
  template <class T>
  void operator()(const char* path, T& value, Need need = Need::kOptional) {
    nlohmann::json::json_pointer p(path);
    if (need == Need::kRequired || in_.contains(p)) value = in_.at(p).template get<T>();
  }
  template <class Int>
  void operator()(const char* path, InUnit<Int> v, Need need = Need::kOptional) {
    nlohmann::json::json_pointer p(path);
    if (need == Need::kRequired || in_.contains(p)) {
      v.ns = static_cast<Int>(in_.at(p).template get<double>() * v.ns_per_unit);
    }
  }

 private:
  const nlohmann::json& in_;
};

}  // namespace percore::client
