// A log-linear latency histogram (HdrHistogram-like), values in nanoseconds.
//
// Values below kSubBuckets are counted exactly. Above, each power-of-two range [2^k, 2^(k+1)) is
// split into kSubBuckets equal sub-buckets, so a bucket's width is at most 1/kSubBuckets of its
// lower bound: percentiles carry < 1/64 (1.6%) relative error over the whole uint64 range (well
// inside 5% from 100 ns to 10 s). Count, sum, min and max are exact.
// Not thread-safe: keep one per thread and merge() them afterwards.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pipe_bench {

class Histogram {
 public:
  static constexpr unsigned kSubBucketBits = 6;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;  // 64
  // Exact buckets [0, 64), then 64 sub-buckets for each k in [6, 63].
  static constexpr std::size_t kBucketCount = kSubBuckets + (64 - kSubBucketBits) * kSubBuckets;

  void record(std::uint64_t value_ns) noexcept;
  // Adds every value recorded in `other`.
  void merge(const Histogram& other) noexcept;

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  // 0 when empty.
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] double mean() const noexcept;
  // The value at or below which `p` percent of the recorded values lie (nearest rank), estimated
  // as its bucket's midpoint and clamped to [min, max]. p <= 0 gives min(), p >= 100 max();
  // 0 when empty.
  [[nodiscard]] std::uint64_t percentile(double p) const noexcept;

  // Bucket geometry, exposed for tests.
  [[nodiscard]] static std::size_t bucket_index(std::uint64_t value) noexcept;
  [[nodiscard]] static std::uint64_t bucket_lower(std::size_t index) noexcept;
  [[nodiscard]] static std::uint64_t bucket_width(std::size_t index) noexcept;

 private:
  std::array<std::uint64_t, kBucketCount> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  // long double (64-bit mantissa): exact while the total stays below 2^64 ns.
  long double sum_ = 0;
};

}  // namespace pipe_bench
