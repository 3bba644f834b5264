// A log-linear latency histogram in the style of HdrHistogram: constant relative precision
// (3 significant digits by default) from 1 unit up to a fixed highest value, fixed memory, O(1)
// record. Values are plain integers (the client records nanoseconds). One writer; merge to combine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace percore::stats {

class Histogram {
 public:
  // Tracks 0..highest with `significant_digits` (1-5) digits of precision; values above highest
  // are recorded as highest and counted in clamped().
  Histogram(int64_t highest, int significant_digits);
  // 1 ns to 60 s at 3 significant digits: what a latency needs.
  Histogram() : Histogram(int64_t{60} * 1'000'000'000, 3) {}

  void record(int64_t value) { record_n(value, 1); }
  void record_n(int64_t value, uint64_t n);
  // Adds every count of `other`, which must have the same shape (highest, digits).
  bool merge(const Histogram& other);
  void reset();

  uint64_t count() const { return total_; }
  uint64_t clamped() const { return clamped_; }
  int64_t min() const { return total_ == 0 ? 0 : min_; }
  int64_t max() const { return max_; }
  double mean() const { return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_); }
  double sum() const { return sum_; }
  int64_t highest() const { return highest_; }
  int significant_digits() const { return digits_; }

  // The smallest recorded value v such that at least `percentile` % of the values are <= v, as
  // the highest value equivalent to it at this precision (never above max()). 0 when empty.
  int64_t value_at_percentile(double percentile) const;

  // Values that land in the same bucket as `value` are "equivalent": this is the bucket's range.
  int64_t lowest_equivalent(int64_t value) const;
  int64_t highest_equivalent(int64_t value) const;

  size_t bucket_slots() const { return counts_.size(); }

  // Slot-level access for serialisation. The slot layout is HdrHistogram's with a lowest
  // discernible value of 1, so slot i here is slot i in any HdrHistogram of the same shape.
  uint64_t count_at_index(size_t index) const { return counts_[index]; }
  int64_t value_at_index(size_t index) const { return value_from_index(index); }
  // Adds n values known only by their slot (a decoded histogram): min and max widen to the
  // slot's bounds and the sum grows by its middle value, until restore_exact() says better.
  // False when the slot does not exist.
  bool record_at_index(size_t index, uint64_t n);
  // Puts back the figures an encoding of the counts alone cannot carry. False (and nothing
  // changed) when they contradict the counts: min and max must lie in the lowest and highest
  // occupied slots, clamped may not exceed the count.
  bool restore_exact(int64_t min, int64_t max, double sum, uint64_t clamped);

 private:
  int bucket_index(int64_t value) const;
  size_t counts_index(int64_t value) const;
  int64_t value_from_index(size_t index) const;

  int64_t highest_;
  int digits_;
  int sub_bucket_half_count_magnitude_;
  int64_t sub_bucket_count_;
  int64_t sub_bucket_half_count_;
  int64_t sub_bucket_mask_;
  int bucket_count_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t clamped_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace percore::stats
