// pipe_bench's sessions: the configuration plan, medians and min-max over runs, and the paired
// comparisons with the baseline.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "bench_test_support.hpp"
#include "pipe_bench/session.hpp"

namespace {

using namespace pipe_bench;

TEST(BenchSession, PlanIsCostThenWritersThenReaders) {
  Options o;
  o.writers = {1, 2};
  o.readers = {1, 5, 10};
  o.alloc_costs = {0, 250};
  const auto plan = make_plan(o);
  ASSERT_EQ(plan.size(), 12u);
  for (std::size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].index, i);
  EXPECT_EQ(plan[0].writers, 1u);
  EXPECT_EQ(plan[0].readers, 1u);
  EXPECT_EQ(plan[0].alloc_cost_ns, 0u);
  EXPECT_EQ(plan[2].readers, 10u);
  EXPECT_EQ(plan[3].writers, 2u);
  EXPECT_EQ(plan[3].readers, 1u);
  EXPECT_EQ(plan[6].alloc_cost_ns, 250u);
  EXPECT_EQ(plan[6].writers, 1u);
}

TEST(BenchSession, SummarizeGivesMedianMinMaxPerMetric) {
  Series s{"unified", {}};
  for (std::uint64_t writes : {300u, 100u, 200u})
    s.runs.push_back(bench_test::make_run("unified", writes));
  const SeriesStats st = summarize(s);
  EXPECT_EQ(st.median.writes, 200u);
  EXPECT_EQ(st.min.writes, 100u);
  EXPECT_EQ(st.max.writes, 300u);
  EXPECT_DOUBLE_EQ(st.median.writes_per_s, 100.0);  // 200 writes / 2 s
  EXPECT_DOUBLE_EQ(st.min.writes_per_s, 50.0);
  EXPECT_DOUBLE_EQ(st.max.writes_per_s, 150.0);
  // Latencies 1..n us: the average is (n + 1) / 2 us, so the median run's is 100.5 us.
  EXPECT_DOUBLE_EQ(st.median.lat_avg_ns, 100500.0);
  EXPECT_EQ(st.max.lat_max_ns, 300000u);
  ASSERT_TRUE(st.median.pool.has_value());
  EXPECT_EQ(st.median.pool->allocs_in_lock, 200u * 16);
}

TEST(BenchSession, PoolStatsOnlyWhenEveryRunHasThem) {
  Series s{"kernel", {}};
  s.runs.push_back(bench_test::make_run("kernel", 10, 1, false));
  s.runs.push_back(bench_test::make_run("kernel", 20, 2, false));
  EXPECT_FALSE(summarize(s).median.pool.has_value());
}

TEST(BenchSession, KernelPagesReducedAcrossRunsOrUnavailable) {
  Series s{"kernel", {}};
  for (unsigned i = 1; i <= 3; ++i) {
    auto run = bench_test::make_run("kernel", 10, i, false);
    run.run.kernel_pages = pipe_bench::KernelPageTraffic{100 * i, 100 * i + 1, {}};
    s.runs.push_back(std::move(run));
  }
  const auto st = summarize(s);
  ASSERT_TRUE(st.median.pages.has_value());
  EXPECT_EQ(st.median.pages->source, "kernel tracepoints");
  EXPECT_EQ(st.median.pages->allocs, 200u);
  EXPECT_EQ(st.min.pages->allocs, 100u);
  EXPECT_EQ(st.max.pages->frees, 301u);
  s.runs[1].run.kernel_pages = pipe_bench::KernelPageTraffic{{}, {}, "no tracefs at /x"};
  const auto broken = summarize(s);
  ASSERT_TRUE(broken.median.pages.has_value());
  EXPECT_FALSE(broken.median.pages->allocs.has_value());
  EXPECT_EQ(broken.median.pages->unavailable, "no tracefs at /x");
}

TEST(BenchSession, ComparisonsPairRunsAndCoverBothMetrics) {
  const auto results = bench_test::make_session({"legacy", "unified", "kernel"}, 2, 3);
  const auto cmp = compare_with_baseline(results, "legacy");
  // 2 configurations x 2 other targets x 2 metrics.
  ASSERT_EQ(cmp.size(), 8u);
  for (const auto& c : cmp) {
    EXPECT_EQ(c.baseline, "legacy");
    EXPECT_NE(c.target, "legacy");
    EXPECT_EQ(c.estimate.pairs, 3u);
    ASSERT_TRUE(c.estimate.ci95.has_value());
    EXPECT_LE(c.estimate.ci95->first, c.estimate.ratio);
    EXPECT_LE(c.estimate.ratio, c.estimate.ci95->second);
  }
  // unified run r has 210 + 10r writes against legacy's 100 + 10r.
  const auto& first = cmp.front();
  EXPECT_EQ(first.config_index, 0u);
  EXPECT_EQ(first.target, "unified");
  EXPECT_EQ(first.metric, kMetricWritesPerS);
  const double expected = std::cbrt((210.0 / 110) * (220.0 / 120) * (230.0 / 130));
  EXPECT_NEAR(first.estimate.ratio, expected, 1e-9);
  EXPECT_EQ(cmp[1].metric, kMetricLatAvg);
  EXPECT_EQ(cmp.back().config_index, 1u);
}

TEST(BenchSession, NoComparisonWithoutTheBaseline) {
  const auto results = bench_test::make_session({"unified", "kernel"}, 1, 2);
  EXPECT_TRUE(compare_with_baseline(results, "legacy").empty());
}

}  // namespace
