// --runs auto: the 95% CI half-width, max(hi / ratio - 1, 1 - lo / ratio), of a paired ratio.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "pipe_bench/compare.hpp"
#include "pipe_bench/resolve.hpp"
#include "pipe_bench/resolve_report.hpp"

namespace {

using namespace pipe_bench;

TEST(BenchResolveHalfWidth, IsTheLargerRelativeDistanceToAnEnd) {
  RatioEstimate e;
  e.ratio = 2.0;
  e.pairs = 3;
  e.ci95 = std::pair{1.8, 2.4};  // 10% below, 20% above
  EXPECT_DOUBLE_EQ(ci_half_width(e), 0.2);
  e.ci95 = std::pair{1.0, 2.1};  // 50% below, 5% above
  EXPECT_DOUBLE_EQ(ci_half_width(e), 0.5);
  e.ci95 = std::pair{2.0, 2.0};
  EXPECT_DOUBLE_EQ(ci_half_width(e), 0.0);
}

TEST(BenchResolveHalfWidth, InfiniteWithoutACi) {
  RatioEstimate e;
  e.ratio = 1.1;
  e.pairs = 1;
  EXPECT_TRUE(std::isinf(ci_half_width(e)));
  EXPECT_EQ(half_width_text(ci_half_width(e)), "n/a");
}

TEST(BenchResolveHalfWidth, OfAPairedRatioIsExpOfTheLogHalfWidthMinusOne) {
  // Log-ratios ln 1.1, ln 1.2, ln 1.0: the CI is exp(mean +- t(2) sd / sqrt(3)).
  const std::vector<double> base{100, 100, 100};
  const std::vector<double> target{110, 120, 100};
  const auto e = paired_ratio(target, base);
  ASSERT_TRUE(e.has_value());
  std::vector<double> logs{std::log(1.1), std::log(1.2), std::log(1.0)};
  const double mean = (logs[0] + logs[1] + logs[2]) / 3;
  double ss = 0;
  for (const double l : logs) ss += (l - mean) * (l - mean);
  const double h = t_quantile_975(2) * std::sqrt(ss / 2) / std::sqrt(3.0);
  EXPECT_NEAR(ci_half_width(*e), std::exp(h) - 1, 1e-12);
  // The upper side is the larger one in a log-symmetric CI.
  EXPECT_NEAR(ci_half_width(*e), e->ci95->second / e->ratio - 1, 1e-12);
  EXPECT_GT(ci_half_width(*e), 1 - e->ci95->first / e->ratio);
}

TEST(BenchResolveHalfWidth, TextIsPlusMinusPercent) {
  EXPECT_EQ(half_width_text(0.072), "+-7.2%");
  EXPECT_EQ(half_width_text(0.05), "+-5.0%");
}

}  // namespace
