// --runs auto's stopping rule (resolve.hpp) driven by made-up ratios: it stops once every
// comparison is resolved but never before 3 rounds, at the time budget with the right
// comparisons unresolved, and at the round cap; unused time goes to the configurations after.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "pipe_bench/resolve.hpp"

namespace {

using namespace pipe_bench;

// A comparison whose round-i ratio target / baseline is ratios[i].
PairedSamples samples(const std::string& target, const std::vector<double>& ratios) {
  PairedSamples s{target, "legacy", {}, {}};
  for (const double r : ratios) {
    s.baseline_values.push_back(1000.0);
    s.target_values.push_back(1000.0 * r);
  }
  return s;
}

// The first `n` of `ratios`.
std::vector<double> first(const std::vector<double>& ratios, std::size_t n) {
  return {ratios.begin(), ratios.begin() + static_cast<std::ptrdiff_t>(n)};
}

const StopRule kRule{0.05, 3, 1000};
constexpr double kNoLimit = 1e9;

TEST(BenchResolveStopRule, NeverStopsBeforeThreeRoundsEvenWhenResolved) {
  // Identical ratios: a zero-width CI from round 2 on.
  const std::vector<double> flat{1.1, 1.1, 1.1};
  const auto one = decide({samples("unified", first(flat, 1))}, 1, 1, kNoLimit, kRule);
  EXPECT_FALSE(one.stop);
  EXPECT_TRUE(std::isinf(one.worst_half_width));
  const auto two = decide({samples("unified", first(flat, 2))}, 2, 2, kNoLimit, kRule);
  EXPECT_FALSE(two.stop);
  ASSERT_EQ(two.comparisons.size(), 1u);
  EXPECT_TRUE(two.comparisons[0].resolved);
  const auto three = decide({samples("unified", flat)}, 3, 3, kNoLimit, kRule);
  EXPECT_TRUE(three.stop);
  EXPECT_EQ(three.reason, StopReason::resolved);
}

TEST(BenchResolveStopRule, MinimumRoundsRunEvenPastTheBudget) {
  const auto d = decide({samples("unified", {1.0, 1.5})}, 2, 50, 10, kRule);
  EXPECT_FALSE(d.stop);
}

TEST(BenchResolveStopRule, StopsAtTheFirstRoundWhereEveryComparisonIsResolved) {
  // A noisy start, then ratios close to 1.02: the CI narrows as rounds come in.
  std::vector<double> a{1.30, 0.80, 1.10, 0.95};
  std::vector<double> b{1.00, 1.01, 0.99, 1.00};
  for (int i = 0; i < 60; ++i) {
    a.push_back(i % 2 == 0 ? 1.03 : 1.01);
    b.push_back(i % 2 == 0 ? 1.001 : 0.999);
  }
  unsigned stopped = 0;
  for (unsigned round = 1; round <= a.size(); ++round) {
    const auto d =
        decide({samples("unified", first(a, round)), samples("prealloc", first(b, round))}, round,
               round, kNoLimit, kRule);
    ASSERT_EQ(d.comparisons.size(), 2u);
    const bool all = d.comparisons[0].resolved && d.comparisons[1].resolved;
    EXPECT_EQ(d.comparisons[0].resolved, d.comparisons[0].half_width <= 0.05);
    EXPECT_DOUBLE_EQ(d.worst_half_width,
                     std::max(d.comparisons[0].half_width, d.comparisons[1].half_width));
    if (round >= 3 && all) {
      EXPECT_TRUE(d.stop);
      EXPECT_EQ(d.reason, StopReason::resolved);
      stopped = round;
      break;
    }
    EXPECT_FALSE(d.stop) << "round " << round;
  }
  // The quick comparison alone would have stopped at round 3; the noisy one held it back.
  EXPECT_GT(stopped, 4u);
}

TEST(BenchResolveStopRule, StopsAtTheTimeBudgetWithTheWideComparisonUnresolved) {
  const std::vector<double> noisy{1.0, 1.4, 0.8, 1.3, 0.9, 1.2};
  const std::vector<double> steady{1.0, 1.0, 1.001, 0.999, 1.0, 1.0};
  // 6 rounds in 60 s (10 s each): a 7th would end at 70 s.
  const auto within =
      decide({samples("unified", noisy), samples("prealloc", steady)}, 6, 60, 70, kRule);
  EXPECT_FALSE(within.stop);
  const auto over =
      decide({samples("unified", noisy), samples("prealloc", steady)}, 6, 60, 69.9, kRule);
  ASSERT_TRUE(over.stop);
  EXPECT_EQ(over.reason, StopReason::time_limit);
  ASSERT_EQ(over.comparisons.size(), 2u);
  EXPECT_EQ(over.comparisons[0].target, "unified");
  EXPECT_FALSE(over.comparisons[0].resolved);
  EXPECT_GT(over.comparisons[0].half_width, 0.05);
  EXPECT_EQ(over.comparisons[1].target, "prealloc");
  EXPECT_TRUE(over.comparisons[1].resolved);
  EXPECT_DOUBLE_EQ(over.worst_half_width, over.comparisons[0].half_width);
}

TEST(BenchResolveStopRule, HonoursTheRoundCap) {
  const StopRule capped{0.05, 3, 5};
  std::vector<double> noisy{1.0, 1.5, 0.7, 1.4, 0.8};
  EXPECT_FALSE(decide({samples("unified", first(noisy, 4))}, 4, 4, kNoLimit, capped).stop);
  const auto d = decide({samples("unified", noisy)}, 5, 5, kNoLimit, capped);
  ASSERT_TRUE(d.stop);
  EXPECT_EQ(d.reason, StopReason::round_cap);
  EXPECT_FALSE(d.comparisons[0].resolved);
  // Resolved at the cap counts as resolved.
  const auto r = decide({samples("unified", {1, 1, 1, 1, 1})}, 5, 5, kNoLimit, capped);
  EXPECT_EQ(r.reason, StopReason::resolved);
}

TEST(BenchResolveStopRule, NoComparisonIsResolvedAfterTheMinimum) {
  EXPECT_FALSE(decide({}, 2, 2, kNoLimit, kRule).stop);
  const auto d = decide({}, 3, 3, kNoLimit, kRule);
  EXPECT_TRUE(d.stop);
  EXPECT_EQ(d.reason, StopReason::resolved);
  EXPECT_DOUBLE_EQ(d.worst_half_width, 0.0);
}

TEST(BenchResolveStopRule, ANonPositiveSampleNeverResolves) {
  auto s = samples("unified", {1.0, 1.0, 1.0});
  s.target_values[1] = 0;
  const auto d = decide({s}, 3, 3, 3.5, kRule);
  EXPECT_TRUE(std::isinf(d.comparisons[0].half_width));
  EXPECT_FALSE(d.comparisons[0].resolved);
  EXPECT_EQ(d.reason, StopReason::time_limit);
}

TEST(BenchResolveStopRule, UnusedTimeGoesToTheConfigurationsAfter) {
  // 100 s over 4 configurations: 25 s each when each uses its share.
  EXPECT_DOUBLE_EQ(configuration_budget_s(100, 4, 0, 0), 25);
  EXPECT_DOUBLE_EQ(configuration_budget_s(100, 4, 1, 25), 25);
  // The first resolved in 10 s: the 15 s it left are spread over the three after it.
  EXPECT_DOUBLE_EQ(configuration_budget_s(100, 4, 1, 10), 30);
  EXPECT_DOUBLE_EQ(configuration_budget_s(100, 4, 2, 10 + 30), 30);
  EXPECT_DOUBLE_EQ(configuration_budget_s(100, 4, 3, 10 + 30 + 30), 30);
  // An overrun is taken from the ones after; never below 0.
  EXPECT_DOUBLE_EQ(configuration_budget_s(100, 4, 1, 40), 20);
  EXPECT_DOUBLE_EQ(configuration_budget_s(100, 4, 3, 120), 0);
  EXPECT_DOUBLE_EQ(configuration_budget_s(100, 4, 4, 0), 0);
}

TEST(BenchResolveStopRule, ASessionSpendsNoMoreThanItsBudgetBeyondTheLastRound) {
  // Three configurations, 1 s per round, 60 s: the first resolves at round 3, the other two
  // never do; the time the first left is used by the other two.
  const std::vector<double> flat(1000, 1.0);
  std::vector<double> noisy;
  for (int i = 0; i < 1000; ++i) noisy.push_back(i % 2 == 0 ? 1.5 : 0.7);
  double spent = 0;
  std::vector<unsigned> rounds_run;
  for (std::size_t c = 0; c < 3; ++c) {
    const double budget = configuration_budget_s(60, 3, c, spent);
    const auto& ratios = c == 0 ? flat : noisy;
    unsigned round = 1;
    for (;; ++round) {
      const auto d =
          decide({samples("unified", first(ratios, round))}, round, round, budget, kRule);
      if (d.stop) {
        EXPECT_EQ(d.reason, c == 0 ? StopReason::resolved : StopReason::time_limit);
        break;
      }
    }
    rounds_run.push_back(round);
    spent += round;
  }
  EXPECT_EQ(rounds_run, (std::vector<unsigned>{3, 28, 29}));
  EXPECT_LE(spent, 60);
}

}  // namespace
