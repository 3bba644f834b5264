#include "client/result/run_json_read.h"

#include <nlohmann/json.hpp>

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
    r.url = j.value("url", "");
    r.method = j.value("method", "GET");
    r.backend = j.value("backend", "");
    r.threads = j.value("threads", 0);
    r.pipeline = j.value("pipeline", 1);
    r.keepalive = j.value("keepalive", true);
    r.warmup_s = j.value("warmup_s", 0.0);
    r.interrupted = j.value("interrupted", false);
    r.duration_s = j["duration_s"].get<double>();
    r.target_rate = j.value("target_rate", 0.0);
    r.cpu_s = j.value("client_cpu_s", 0.0);
    r.warnings = j.value("warnings", std::vector<std::string>{});
    if (j.contains("echo")) {
      r.pattern = j["echo"].value("pattern", "");
      r.payload = j["echo"].value("payload", 0u);
      r.window = j["echo"].value("window", 0u);
    }
    WorkerStats& s = r.stats;
    s.completed = j["requests"].get<uint64_t>();
    s.sent = j["sent"].get<uint64_t>();
    s.lost = j.value("lost", uint64_t{0});
    s.in_flight_at_end = j.value("in_flight_at_end", uint64_t{0});
    s.not_sent = j.value("not_sent", uint64_t{0});
    s.not_sent_connecting = j.value("not_sent_connecting", uint64_t{0});
    s.pace_delay_ns = static_cast<int64_t>(j.value("pace_delay_ms", 0.0) * 1e6);
    if (j.contains("connections")) {
      const auto& c = j["connections"];
      r.connections = c.value("configured", 0);
      s.connects_requested = c.value("requested", uint64_t{0});
      s.connects_established = c.value("established", uint64_t{0});
      s.closed_by_server = c.value("closed_by_server", uint64_t{0});
    }
    if (j.contains("bytes")) {
      s.bytes_in = j["bytes"].value("in", uint64_t{0});
      s.bytes_out = j["bytes"].value("out", uint64_t{0});
    }
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
