#include "client/result/run_json_read.h"

#include <nlohmann/json.hpp>

#include "client/result/run_json_fields.h"
#include "core/stats/histogram_json.h"

namespace percore::client {
namespace {

bool fail(std::string* error, std::string text) {
  *error = std::move(text);
  return false;
}

// "connect/ECONNREFUSED" -> (kConnect, 111); "parse" -> (kParse, 0); "verify/mismatch" ->
// (kVerify, 0). False for a key this build does not know.
bool parse_error_kind(const std::string& key, ErrorPhase* phase, int* err) {
  std::string phase_part = key.substr(0, key.find('/'));
  std::string errno_part = key.find('/') == std::string::npos ? "" : key.substr(key.find('/') + 1);
  for (int p = 0; p < static_cast<int>(ErrorPhase::kCount); ++p) {
    if (phase_part != phase_name(static_cast<ErrorPhase>(p))) continue;
    *phase = static_cast<ErrorPhase>(p);
    if (errno_part.empty() || errno_part == "mismatch") {
      *err = 0;
      return true;
    }
    for (int e = 1; e <= kMaxErrno; ++e) {
      if (errno_name(e) == errno_part) {
        *err = e;
        return true;
      }
    }
    return false;
  }
  return false;
}

bool read_histogram(const nlohmann::json& j, const char* name, stats::Histogram* out,
                    std::string* error) {
  if (!j.contains("histograms") || !j["histograms"].contains(name)) {
    return fail(error, "it carries no histograms (written by an older client?)");
  }
  std::string why;
  std::unique_ptr<stats::Histogram> h = stats::histogram_from_json(j["histograms"][name], &why);
  if (!h) return fail(error, std::string("histograms.") + name + ": " + why);
  if (h->bucket_slots() != out->bucket_slots() ||
      h->significant_digits() != out->significant_digits()) {
    return fail(error, std::string("histograms.") + name + " has a shape this client cannot merge");
  }
  out->reset();
  out->merge(*h);
  return true;
}

}  // namespace

bool read_run_json(const std::string& text, RunResult* out, std::string* error) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(error, "not JSON");
  if (!j.contains("requests") || !j.contains("sent") || !j.contains("duration_s") ||
      !j.contains("mode")) {
    return fail(error, "not a percore client result (no requests/sent/duration_s/mode)");
  }
  try {
    RunResult r;
    std::string mode = j["mode"].get<std::string>();
    if (mode == protocol_name(Protocol::kHttp)) {
      r.mode = Protocol::kHttp;
    } else if (mode == protocol_name(Protocol::kEcho)) {
      r.mode = Protocol::kEcho;
    } else {
      return fail(error, "unknown mode '" + mode + "'");
    }
    run_fields(r, JsonReader(j));
    WorkerStats& s = r.stats;
    if (j.contains("status")) {
      for (const auto& [code, n] : j["status"].items()) {
        int c = std::stoi(code);
        if (c < 0 || c >= kStatusSlots) return fail(error, "status code out of range: " + code);
        s.status[static_cast<size_t>(c)] += n.get<uint64_t>();
      }
    }
    if (j.contains("errors") && j["errors"].contains("by_kind")) {
      for (const auto& [key, n] : j["errors"]["by_kind"].items()) {
        ErrorPhase phase;
        int err = 0;
        if (!parse_error_kind(key, &phase, &err)) return fail(error, "unknown error kind " + key);
        s.errors[static_cast<size_t>(phase)][static_cast<size_t>(err)] += n.get<uint64_t>();
      }
    }
    if (!read_histogram(j, "corrected", &s.corrected, error) ||
        !read_histogram(j, "uncorrected", &s.uncorrected, error)) {
      return false;
    }
    // Results of clients before the send lag was recorded have none: an empty one merges.
    if (j["histograms"].contains("send_lag") &&
        !read_histogram(j, "send_lag", &s.send_lag, error)) {
      return false;
    }
    if (j.contains("run")) read_run_identity(j["run"], &r);
    *out = std::move(r);
    return true;
  } catch (const nlohmann::json::exception& e) {
    // A field of the wrong type: the file was edited or is not ours.
    return fail(error, std::string("malformed result: ") + e.what());
  } catch (const std::exception& e) {
    return fail(error, std::string("malformed result: ") + e.what());
  }
}

}  // namespace percore::client
