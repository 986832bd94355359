// pipe_bench's log-linear histogram: bucket geometry, percentiles within 1/64, merge.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "pipe_bench/histogram.hpp"

namespace {

using pipe_bench::Histogram;

double relative_error(std::uint64_t got, std::uint64_t want) {
  return std::abs(static_cast<double>(got) - static_cast<double>(want)) / static_cast<double>(want);
}

TEST(BenchHistogram, EmptyReportsZeros) {
  const Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(50), 0u);
}

TEST(BenchHistogram, BucketsCoverEachValueWithBoundedWidth) {
  // Every value falls inside its bucket, and a bucket is at most 1/64 of its lower bound wide.
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{0ull, 1ull, 63ull, 64ull, 65ull,
                                                              127ull, 128ull, 1000ull, 123456789ull,
                                                              (1ull << 40) + 12345, UINT64_MAX}) {
    const auto i = Histogram::bucket_index(v);
    ASSERT_LT(i, Histogram::kBucketCount) << v;
    const auto lo = Histogram::bucket_lower(i);
    const auto w = Histogram::bucket_width(i);
    EXPECT_LE(lo, v) << v;
    EXPECT_LE(v - lo, w - 1) << v;
    if (v >= Histogram::kSubBuckets) {
      EXPECT_LE(w * Histogram::kSubBuckets, lo) << v;
    }
  }
  // Indices are contiguous: the bucket after i starts where i ends.
  for (std::size_t i = 0; i + 1 < Histogram::kBucketCount; ++i) {
    ASSERT_EQ(Histogram::bucket_lower(i) + Histogram::bucket_width(i),
              Histogram::bucket_lower(i + 1))
        << i;
  }
}

TEST(BenchHistogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 10; ++v) h.record(v);
  EXPECT_EQ(h.count(), 10u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 10u);
  EXPECT_DOUBLE_EQ(h.mean(), 5.5);
  EXPECT_EQ(h.percentile(50), 5u);
  EXPECT_EQ(h.percentile(90), 9u);
  EXPECT_EQ(h.percentile(100), 10u);
  EXPECT_EQ(h.percentile(0), 1u);
}

TEST(BenchHistogram, PercentilesWithinTwoPercentFrom100nsTo10s) {
  // 1000 values spread geometrically from 100 ns to 10 s.
  Histogram h;
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 1000; ++i) {
    values.push_back(static_cast<std::uint64_t>(100.0 * std::pow(1e8, i / 999.0)));
    h.record(values.back());
  }
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9}) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * 1000));
    const std::uint64_t want = values[rank - 1];
    EXPECT_LT(relative_error(h.percentile(p), want), 0.02) << "p" << p;
  }
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
}

TEST(BenchHistogram, PercentileIsClampedToRecordedRange) {
  Histogram h;
  h.record(1'000'000);  // bucket is wider than one value; the estimate must not leave [min, max]
  EXPECT_EQ(h.percentile(50), 1'000'000u);
  EXPECT_EQ(h.percentile(99), 1'000'000u);
}

TEST(BenchHistogram, MergeEqualsRecordingEverythingInOne) {
  Histogram a, b, all;
  for (std::uint64_t v = 1; v <= 5000; ++v) {
    (v % 3 == 0 ? a : b).record(v * 997);
    all.record(v * 997);
  }
  Histogram merged;
  merged.merge(a);
  merged.merge(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double p : {0.0, 25.0, 50.0, 75.0, 99.0, 100.0}) {
    EXPECT_EQ(merged.percentile(p), all.percentile(p)) << "p" << p;
  }
}

TEST(BenchHistogram, MergingAnEmptyHistogramChangesNothing) {
  Histogram h, empty;
  h.record(500);
  h.record(700);
  h.merge(empty);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min(), 500u);
  EXPECT_EQ(h.max(), 700u);
}

}  // namespace
