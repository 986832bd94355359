// The probe's summaries: quantiles by linear interpolation, and a bootstrap CI around the median.
#include <gtest/gtest.h>

#include "pipe_bench/probe_stats.hpp"

namespace {

TEST(BenchProbeStats, QuantilesInterpolateBetweenOrderStatistics) {
  std::vector<double> v;
  for (int i = 101; i >= 1; --i) v.push_back(i);
  EXPECT_DOUBLE_EQ(pipe_bench::quantile(v, 0.5), 51);
  EXPECT_DOUBLE_EQ(pipe_bench::quantile(v, 0.1), 11);
  EXPECT_DOUBLE_EQ(pipe_bench::quantile({1, 2}, 0.5), 1.5);
  EXPECT_DOUBLE_EQ(pipe_bench::quantile({}, 0.5), 0);
}

TEST(BenchProbeStats, SummaryHasTheSpreadAndACiAroundTheMedian) {
  std::vector<double> v;
  for (int i = 1; i <= 101; ++i) v.push_back(i);
  const auto f = pipe_bench::summarize(v);
  EXPECT_EQ(f.samples, 101u);
  EXPECT_DOUBLE_EQ(f.median, 51);
  EXPECT_DOUBLE_EQ(f.p10, 11);
  EXPECT_DOUBLE_EQ(f.p90, 91);
  EXPECT_LE(f.ci_lo, f.median);
  EXPECT_GE(f.ci_hi, f.median);
  EXPECT_LT(f.ci_lo, f.ci_hi);
  EXPECT_GT(f.ci_lo, f.p10);
  EXPECT_LT(f.ci_hi, f.p90);
  // Deterministic for a seed.
  EXPECT_DOUBLE_EQ(pipe_bench::summarize(v).ci_lo, f.ci_lo);
}

TEST(BenchProbeStats, EmptyAndConstantInputs) {
  EXPECT_EQ(pipe_bench::summarize({}).samples, 0u);
  const auto c = pipe_bench::summarize(std::vector<double>(50, 7.0));
  EXPECT_DOUBLE_EQ(c.ci_lo, 7);
  EXPECT_DOUBLE_EQ(c.ci_hi, 7);
  EXPECT_DOUBLE_EQ(c.p90, 7);
}

}  // namespace
