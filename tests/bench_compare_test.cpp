// pipe_bench's statistics: medians, Student t quantiles, and paired ratios with a 95% CI whose
// bounds contain the ratio.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "pipe_bench/compare.hpp"

namespace {

using pipe_bench::median;
using pipe_bench::paired_ratio;
using pipe_bench::t_quantile_975;

TEST(BenchCompare, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median({}), 0.0);
  EXPECT_DOUBLE_EQ(median({7}), 7.0);
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
}

TEST(BenchCompare, TQuantilesMatchTheTableAndTendToZ) {
  EXPECT_NEAR(t_quantile_975(1), 12.706, 1e-3);
  EXPECT_NEAR(t_quantile_975(2), 4.303, 1e-3);
  EXPECT_NEAR(t_quantile_975(10), 2.228, 1e-3);
  EXPECT_NEAR(t_quantile_975(30), 2.042, 1e-3);
  EXPECT_NEAR(t_quantile_975(60), 2.000, 1e-3);
  EXPECT_NEAR(t_quantile_975(1000000), 1.960, 1e-3);
  // Decreasing in the degrees of freedom.
  for (unsigned df = 1; df < 200; ++df) EXPECT_GE(t_quantile_975(df), t_quantile_975(df + 1));
}

TEST(BenchCompare, ConstantRatioHasAZeroWidthInterval) {
  const auto r = paired_ratio({110, 220, 330}, {100, 200, 300});
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->ratio, 1.1, 1e-12);
  ASSERT_TRUE(r->ci95.has_value());
  EXPECT_NEAR(r->ci95->first, 1.1, 1e-12);
  EXPECT_NEAR(r->ci95->second, 1.1, 1e-12);
  EXPECT_EQ(r->pairs, 3u);
}

TEST(BenchCompare, RatioIsTheGeometricMeanAndLiesInsideItsInterval) {
  // Per-pair ratios 1.0, 1.2, 1.5: log mean, sample sd, t(0.975, 2) = 4.303.
  const auto r = paired_ratio({100, 120, 150}, {100, 100, 100});
  ASSERT_TRUE(r.has_value());
  const double logs[] = {0.0, std::log(1.2), std::log(1.5)};
  const double mean = (logs[0] + logs[1] + logs[2]) / 3;
  double ss = 0;
  for (const double l : logs) ss += (l - mean) * (l - mean);
  const double half = 4.303 * std::sqrt(ss / 2) / std::sqrt(3.0);
  EXPECT_NEAR(r->ratio, std::exp(mean), 1e-9);
  ASSERT_TRUE(r->ci95.has_value());
  EXPECT_NEAR(r->ci95->first, std::exp(mean - half), 1e-9);
  EXPECT_NEAR(r->ci95->second, std::exp(mean + half), 1e-9);
  EXPECT_LE(r->ci95->first, r->ratio);
  EXPECT_LE(r->ratio, r->ci95->second);
}

TEST(BenchCompare, PairingMattersNotJustTheMeans) {
  // The same values, paired so that the drift cancels (target always 10% above its pair) or
  // not: the paired interval is tight only in the first case.
  const auto paired = paired_ratio({110, 55, 220}, {100, 50, 200});
  const auto shuffled = paired_ratio({110, 55, 220}, {200, 100, 50});
  ASSERT_TRUE(paired && shuffled && paired->ci95 && shuffled->ci95);
  EXPECT_LT(paired->ci95->second - paired->ci95->first,
            shuffled->ci95->second - shuffled->ci95->first);
}

TEST(BenchCompare, SinglePairHasNoInterval) {
  const auto r = paired_ratio({150}, {100});
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->ratio, 1.5);
  EXPECT_FALSE(r->ci95.has_value());
}

TEST(BenchCompare, InvalidInputsGiveNoEstimate) {
  EXPECT_FALSE(paired_ratio({}, {}).has_value());
  EXPECT_FALSE(paired_ratio({1, 2}, {1}).has_value());
  EXPECT_FALSE(paired_ratio({1, 0}, {1, 1}).has_value());
  EXPECT_FALSE(paired_ratio({1, 1}, {1, -1}).has_value());
}

}  // namespace
