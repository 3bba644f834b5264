// --fail-if thresholds for CI: "p99>5ms", "errors>0", "rps<1000". A run that crosses any of them
// exits with code 3.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace percore::client {

struct RunResult;

struct Threshold {
  std::string text;    // as the user wrote it, for the message
  std::string metric;  // p50 p90 p99 p999 p9999 max mean | errors non2xx requests | rps
  enum class Op { kGreater, kGreaterEqual, kLess, kLessEqual } op = Op::kGreater;
  double value = 0;  // latency metrics in microseconds, counts and rates as written
};

// The metrics one kind of result is judged on besides the latencies (p50 p90 p99 p999 p9999 max
// mean, which need a unit: us, ms, s), as names for the parser and its messages.
struct ThresholdMetrics {
  std::vector<std::string_view> plain;  // counts and rates, written as plain numbers
  const char* example;                  // for the message about a missing operator
};

// METRIC OP VALUE with OP one of > >= < <=, spaces allowed around each part.
bool parse_threshold_of(const ThresholdMetrics& metrics, std::string_view text, Threshold* out,
                        std::string* error);
// True when `value` crosses the threshold `t`.
bool crosses(const Threshold& t, double value);
bool is_latency_metric(const std::string& metric);

// client http and echo: counts errors non2xx timeouts in_flight lost requests; rates rps
// achieved_rate.
bool parse_threshold(std::string_view text, Threshold* out, std::string* error);

// The value of a metric in a result (latencies in microseconds; corrected ones under --rate).
double metric_value(const RunResult& result, const std::string& metric);

// One line per crossed threshold ("p99=7.1ms crossed p99>5ms"); empty when all hold.
std::vector<std::string> crossed_thresholds(const RunResult& result,
                                            const std::vector<Threshold>& thresholds);

}  // namespace percore::client
