// Index arithmetic follows HdrHistogram (unit magnitude 0): bucket 0 holds 0..2*half-1 exactly,
// and each later bucket doubles the range and the step, keeping 2^magnitude sub-buckets.
#include "core/stats/histogram.h"

#include <algorithm>
#include <cmath>

namespace percore::stats {

Histogram::Histogram(int64_t highest, int significant_digits)
    : highest_(std::max<int64_t>(highest, 2)), digits_(std::clamp(significant_digits, 1, 5)) {
  // Enough sub-buckets that one step is at most 1/10^digits of the values it covers.
  int64_t largest_single_unit = 2 * static_cast<int64_t>(std::pow(10, digits_));
  int magnitude = static_cast<int>(std::ceil(std::log2(static_cast<double>(largest_single_unit))));
  sub_bucket_half_count_magnitude_ = magnitude - 1;
  sub_bucket_count_ = int64_t{1} << magnitude;
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = sub_bucket_count_ - 1;
  int64_t smallest_untrackable = sub_bucket_count_;
  int buckets = 1;
  while (smallest_untrackable <= highest_) {
    if (smallest_untrackable > INT64_MAX / 2) {
      ++buckets;
      break;
    }
    smallest_untrackable <<= 1;
    ++buckets;
  }
  bucket_count_ = buckets;
  counts_.assign(static_cast<size_t>(bucket_count_ + 1) << sub_bucket_half_count_magnitude_, 0);
}

int Histogram::bucket_index(int64_t value) const {
  int pow2_ceiling = 64 - __builtin_clzll(static_cast<uint64_t>(value | sub_bucket_mask_));
  return pow2_ceiling - (sub_bucket_half_count_magnitude_ + 1);
}

size_t Histogram::counts_index(int64_t value) const {
  int bucket = bucket_index(value);
  int64_t sub_bucket = value >> bucket;
  int64_t base = int64_t{bucket + 1} << sub_bucket_half_count_magnitude_;
  return static_cast<size_t>(base + (sub_bucket - sub_bucket_half_count_));
}

int64_t Histogram::value_from_index(size_t index) const {
  int bucket = static_cast<int>(index >> sub_bucket_half_count_magnitude_) - 1;
  int64_t sub_bucket =
      static_cast<int64_t>(index & static_cast<size_t>(sub_bucket_half_count_ - 1)) +
      sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return sub_bucket << bucket;
}

int64_t Histogram::lowest_equivalent(int64_t value) const {
  return value_from_index(counts_index(std::clamp<int64_t>(value, 0, highest_)));
}

int64_t Histogram::highest_equivalent(int64_t value) const {
  value = std::clamp<int64_t>(value, 0, highest_);
  int bucket = bucket_index(value);
  int64_t sub_bucket = value >> bucket;
  int shift = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return lowest_equivalent(value) + (int64_t{1} << shift) - 1;
}

void Histogram::record_n(int64_t value, uint64_t n) {
  if (value < 0) value = 0;
  if (value > highest_) {
    value = highest_;
    clamped_ += n;
  }
  counts_[counts_index(value)] += n;
  total_ += n;
  sum_ += static_cast<double>(value) * static_cast<double>(n);
  if (value < min_) min_ = value;
  if (value > max_) max_ = value;
}

bool Histogram::merge(const Histogram& other) {
  if (other.counts_.size() != counts_.size() || other.digits_ != digits_) return false;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
  if (other.total_ > 0) {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  return true;
}

bool Histogram::record_at_index(size_t index, uint64_t n) {
  if (index >= counts_.size()) return false;
  if (n == 0) return true;
  int64_t low = value_from_index(index);
  if (low > highest_) return false;
  int64_t high = std::min(highest_equivalent(low), highest_);
  counts_[index] += n;
  total_ += n;
  sum_ += (static_cast<double>(low) + static_cast<double>(high)) / 2 * static_cast<double>(n);
  if (low < min_) min_ = low;
  if (high > max_) max_ = high;
  return true;
}

bool Histogram::restore_exact(int64_t min, int64_t max, double sum, uint64_t clamped) {
  if (clamped > total_) return false;
  if (total_ == 0) {
    if (min != 0 || max != 0 || sum != 0) return false;
  } else {
    if (min < 0 || max > highest_ || min > max) return false;
    if (counts_index(min) != counts_index(min_) || counts_index(max) != counts_index(max_)) {
      return false;
    }
    min_ = min;
    max_ = max;
  }
  sum_ = sum;
  clamped_ = clamped;
  return true;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = clamped_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
  sum_ = 0;
}

int64_t Histogram::value_at_percentile(double percentile) const {
  if (total_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  // The rank of the wanted value among the sorted samples, 1-based (nearest-rank definition).
  // The small bias keeps 99.99% of 10000 at rank 9999 despite binary rounding.
  double exact_rank = percentile / 100.0 * static_cast<double>(total_);
  auto rank = static_cast<uint64_t>(std::ceil(exact_rank - 1e-9 * exact_rank));
  rank = std::clamp<uint64_t>(rank, 1, total_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_equivalent(value_from_index(i)), max_);
  }
  return max_;
}

}  // namespace percore::stats
