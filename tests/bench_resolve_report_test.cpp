// --runs auto in the reports: the samples the rule reads, the resolution each comparison gets,
// the table cell, the not-resolved lines (final block and --summary), and the JSON fields.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "bench_test_support.hpp"
#include "pipe_bench/json_report.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/report.hpp"
#include "pipe_bench/resolve_report.hpp"
#include "pipe_bench/summary.hpp"

namespace {

using namespace pipe_bench;

TEST(BenchResolveReport, SamplesPairRoundsForEveryTargetAndBaseline) {
  const auto results = bench_test::make_session({"legacy", "prealloc", "unified"}, 1, 4);
  const auto samples = writes_per_s_samples(results[0], {"legacy", "prealloc"});
  ASSERT_EQ(samples.size(), 4u);  // prealloc, unified vs legacy; legacy, unified vs prealloc
  EXPECT_EQ(samples[0].target, "prealloc");
  EXPECT_EQ(samples[0].baseline, "legacy");
  EXPECT_EQ(samples[3].target, "unified");
  EXPECT_EQ(samples[3].baseline, "prealloc");
  for (const auto& s : samples) {
    ASSERT_EQ(s.target_values.size(), 4u);
    ASSERT_EQ(s.baseline_values.size(), 4u);
  }
  // Run 2 of unified (320 writes in 2 s) and of legacy (120 writes).
  EXPECT_DOUBLE_EQ(samples[1].target_values[1], 160.0);
  EXPECT_DOUBLE_EQ(samples[1].baseline_values[1], 60.0);
}

// A session of legacy, unified with 3 runs, its comparisons resolved against `target`.
struct Resolved {
  std::vector<ConfigResults> results;
  std::vector<Comparison> comparisons;
};

Resolved resolve_at(double ci_target, StopReason reason) {
  Resolved r;
  r.results = bench_test::make_session({"legacy", "unified"}, 1, 3);
  r.comparisons = compare_with_baseline(r.results, "legacy");
  const auto decision =
      decide(writes_per_s_samples(r.results[0], {"legacy"}), 3, 3,
             reason == StopReason::time_limit ? 3 : 1e9,
             StopRule{ci_target, 3, reason == StopReason::round_cap ? 3u : 1000u});
  attach_resolution(r.comparisons, 0, decision, 3, ci_target);
  return r;
}

TEST(BenchResolveReport, EveryComparisonGetsItsHalfWidthAndTheStop) {
  const auto r = resolve_at(0.05, StopReason::time_limit);
  ASSERT_EQ(r.comparisons.size(), 2u);
  for (const auto& c : r.comparisons) {
    ASSERT_TRUE(c.resolution.has_value());
    EXPECT_DOUBLE_EQ(c.resolution->half_width, ci_half_width(c.estimate));
    EXPECT_EQ(c.resolution->resolved, c.resolution->half_width <= 0.05);
    EXPECT_EQ(c.resolution->rounds, 3u);
    EXPECT_EQ(c.resolution->stop, StopReason::time_limit);
  }
  EXPECT_FALSE(r.comparisons[0].resolution->resolved);  // ratios 1.91, 1.83, 1.77
}

TEST(BenchResolveReport, UnresolvedComparisonsAreListedPlainly) {
  const auto r = resolve_at(0.05, StopReason::time_limit);
  const auto& c = r.comparisons[0];
  const std::string hw = half_width_text(c.resolution->half_width);
  EXPECT_EQ(resolution_cell(c), "NOT resolved " + hw + " (3 rounds, time limit)");
  const std::string line =
      "not resolved: unified / legacy at 1w/5r: " + hw + " after 3 rounds (time limit)\n";
  EXPECT_EQ(format_unresolved(r.results, r.comparisons), line);
  const std::string block = format_resolution(r.results, r.comparisons);
  EXPECT_NE(block.find("within +-5.0%): 0 of 1 resolved\n"), std::string::npos) << block;
  EXPECT_NE(block.find(line), std::string::npos) << block;
  const std::string summary = format_summary(r.results, r.comparisons, RunContext{});
  EXPECT_NE(summary.find(line), std::string::npos) << summary;
  const std::string table = format_comparisons(r.comparisons, 0);
  EXPECT_NE(table.find("NOT resolved " + hw), std::string::npos) << table;
  EXPECT_NE(table.find("writes/s CI within +-5.0%"), std::string::npos) << table;
}

TEST(BenchResolveReport, ResolvedComparisonsAreNotListed) {
  const auto r = resolve_at(0.99, StopReason::resolved);
  const auto& c = r.comparisons[0];
  ASSERT_TRUE(c.resolution->resolved);
  EXPECT_EQ(resolution_cell(c), "resolved " + half_width_text(c.resolution->half_width));
  EXPECT_EQ(format_unresolved(r.results, r.comparisons), "");
  EXPECT_NE(format_resolution(r.results, r.comparisons).find("1 of 1 resolved"), std::string::npos);
  const std::string summary = format_summary(r.results, r.comparisons, RunContext{});
  EXPECT_EQ(summary.find("not resolved"), std::string::npos) << summary;
}

TEST(BenchResolveReport, FixedRunsReportNoResolution) {
  const auto results = bench_test::make_session({"legacy", "unified"}, 1, 3);
  const auto cmp = compare_with_baseline(results, "legacy");
  EXPECT_EQ(format_resolution(results, cmp), "");
  EXPECT_EQ(resolution_cell(cmp[0]), "");
  EXPECT_EQ(format_comparisons(cmp, 0).find("resolved"), std::string::npos);
  const auto doc = session_json(RunContext{}, results, cmp, {"legacy"});
  const auto& j = doc["comparisons"][0];
  EXPECT_NEAR(j["half_width_pct"].get<double>(), 100 * ci_half_width(cmp[0].estimate), 1e-9);
  EXPECT_TRUE(j["resolved"].is_null());
  EXPECT_TRUE(j["rounds"].is_null());
  EXPECT_TRUE(j["stop_reason"].is_null());
}

TEST(BenchResolveReport, JsonCarriesTheResolution) {
  const auto r = resolve_at(0.05, StopReason::round_cap);
  const auto doc = session_json(RunContext{}, r.results, r.comparisons, {"legacy"});
  ASSERT_EQ(doc["comparisons"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& j = doc["comparisons"][i];
    const auto& c = r.comparisons[i];
    EXPECT_NEAR(j["half_width_pct"].get<double>(), 100 * c.resolution->half_width, 1e-9);
    EXPECT_EQ(j["resolved"], c.resolution->resolved);
    EXPECT_EQ(j["rounds"], 3);
    EXPECT_EQ(j["stop_reason"], "round_cap");
  }
}

TEST(BenchResolveReport, OptionsBlockRecordsTheRunMode) {
  Options o;
  o.runs = 4;
  auto j = runs_options_json(o);
  EXPECT_EQ(j["runs"], 4);
  EXPECT_TRUE(j["ci_target_pct"].is_null());
  EXPECT_TRUE(j["max_time_s"].is_null());
  o.runs_auto = true;
  o.ci_target_pct = 2.5;
  o.max_time_s = 90;
  j = runs_options_json(o);
  EXPECT_EQ(j["runs"], "auto");
  EXPECT_EQ(j["ci_target_pct"], 2.5);
  EXPECT_EQ(j["max_time_s"], 90);
}

TEST(BenchResolveReport, LabelShowsTheCostOnlyWhenItVaries) {
  auto results = bench_test::make_session({"legacy"}, 2, 1);
  EXPECT_EQ(config_label(results, 1), "2w/5r");
  results[1].config.alloc_cost_ns = 250;
  EXPECT_EQ(config_label(results, 1), "2w/5r/250ns");
}

}  // namespace
