#include "core/stats/histogram_json.h"

#include "core/stats/hdr_encoding.h"

namespace percore::stats {

nlohmann::json histogram_to_json(const Histogram& h) {
  return {{"encoding", "hdrhistogram-v2-compressed-base64"},
          {"unit", "ns"},
          {"hdr", hdr_encode_base64(h)},
          {"count", h.count()},
          {"min", h.min()},
          {"max", h.max()},
          {"sum", h.sum()},
          {"clamped", h.clamped()}};
}

std::unique_ptr<Histogram> histogram_from_json(const nlohmann::json& j, std::string* error) {
  if (!j.is_object() || !j.contains("hdr") || !j["hdr"].is_string()) {
    *error = "histogram object has no \"hdr\" string";
    return nullptr;
  }
  for (const char* key : {"count", "min", "max", "clamped"}) {
    if (!j.contains(key) || !j[key].is_number_integer()) {
      *error = std::string("histogram object has no integer \"") + key + "\"";
      return nullptr;
    }
  }
  if (!j.contains("sum") || !j["sum"].is_number()) {
    *error = "histogram object has no number \"sum\"";
    return nullptr;
  }
  std::unique_ptr<Histogram> h = hdr_decode_base64(j["hdr"].get<std::string>(), error);
  if (!h) return nullptr;
  if (h->count() != j["count"].get<uint64_t>()) {
    *error = "histogram \"count\" differs from the sum of its slots";
    return nullptr;
  }
  if (!h->restore_exact(j["min"].get<int64_t>(), j["max"].get<int64_t>(), j["sum"].get<double>(),
                        j["clamped"].get<uint64_t>())) {
    *error = "histogram min, max or clamped contradict its slots";
    return nullptr;
  }
  return h;
}

}  // namespace percore::stats
