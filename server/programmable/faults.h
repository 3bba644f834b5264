// Faults the programmable target injects at random, so that a long run shows a realistic tail:
// a share of requests answered with an error status, a share reset, and delays drawn from a
// distribution. Each worker draws from its own generator, seeded differently per worker.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace percore::server::programmable {

struct DelayDist {
  enum class Kind : uint8_t { kFixed, kUniform, kExponential };
  Kind kind = Kind::kFixed;
  int64_t low_ns = 0;   // uniform: lower bound
  int64_t high_ns = 0;  // uniform: upper bound
  int64_t mean_ns = 0;  // exponential: mean
};

struct FaultOptions {
  double fail_rate = 0;  // share of requests answered with fail_status instead
  int fail_status = 503;
  double reset_rate = 0;  // share of requests answered with a reset
  DelayDist delay_dist;   // kFixed: the spec's delay as it is
  bool any() const {
    return fail_rate > 0 || reset_rate > 0 || delay_dist.kind != DelayDist::Kind::kFixed;
  }
};

// "0.01:503" (share, then status; the status defaults to 503). False with *error on bad input.
bool parse_fail_rate(std::string_view text, double* rate, int* status, std::string* error);
// "0.001": a share in [0, 1].
bool parse_rate(std::string_view text, double* rate, std::string* error);
// "fixed", "uniform:1ms..5ms" (or "uniform 1ms..5ms"), "exp:2ms" (or "exp 2ms").
bool parse_delay_dist(std::string_view text, DelayDist* dist, std::string* error);

class FaultDice {
 public:
  explicit FaultDice(uint64_t seed) : rng_(seed) {}
  bool roll(double rate) { return rate > 0 && unit_(rng_) < rate; }
  // A delay drawn from the distribution; `fixed_ns` is the answer for kFixed.
  int64_t delay(const DelayDist& d, int64_t fixed_ns);

 private:
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

}  // namespace percore::server::programmable
