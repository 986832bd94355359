// pipe_bench --summary: one pasteable line per compared target, with the throughput and latency
// changes, their CIs, and the run conditions.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "bench_test_support.hpp"
#include "pipe_bench/summary.hpp"

namespace {

using namespace pipe_bench;

TEST(BenchSummary, PercentChangeHasASign) {
  EXPECT_EQ(percent_change(1.109), "+10.9%");
  EXPECT_EQ(percent_change(0.902), "-9.8%");
  EXPECT_EQ(percent_change(1.0), "+0.0%");
}

TEST(BenchSummary, OneLinePerTargetWithCiAndConditions) {
  const auto results = bench_test::make_session({"legacy", "unified"}, 1, 3);
  const auto cmp = compare_with_baseline(results, "legacy");
  RunContext ctx;
  const std::string text = format_summary(results, cmp, ctx);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_EQ(text.rfind("unified vs legacy: +", 0), 0u) << text;
  for (const char* part :
       {"throughput (95% CI +", "avg write latency", "3 runs of 2 s", "1 writer / 5 readers",
        "64 KiB writes", "1 MiB pipe", "memory pressure: off"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " in " << text;
  }
}

TEST(BenchSummary, NamesThePressureAndSaysWhenThereIsNoCi) {
  const auto results = bench_test::make_session({"legacy", "unified"}, 1, 1);
  RunContext ctx;
  ctx.pressure = PressureInfo{"stress-ng --vm 4 --vm-bytes 80% --vm-method all",
                              4,
                              "80%",
                              "all",
                              std::uint64_t{2} << 30,
                              1.2};
  const std::string text = format_summary(results, compare_with_baseline(results, "legacy"), ctx);
  EXPECT_NE(text.find("single run, no CI"), std::string::npos) << text;
  EXPECT_NE(text.find("memory pressure: stress-ng --vm 4 --vm-bytes 80% --vm-method all (2.0 GiB"),
            std::string::npos)
      << text;
}

TEST(BenchSummary, EachBaselineGetsItsOwnLines) {
  const auto results = bench_test::make_session({"legacy", "prealloc", "unified"}, 1, 3);
  auto cmp = compare_with_baseline(results, "legacy");
  for (auto& c : compare_with_baseline(results, "prealloc")) cmp.push_back(c);
  const std::string text = format_summary(results, cmp, RunContext{});
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << text;
  const auto lat = std::find_if(cmp.begin(), cmp.end(), [](const Comparison& c) {
    return c.baseline == "prealloc" && c.target == "unified" && c.metric == kMetricLatAvg;
  });
  ASSERT_NE(lat, cmp.end());
  const auto start = text.find("unified vs prealloc: ");
  ASSERT_NE(start, std::string::npos) << text;
  const std::string line = text.substr(start, text.find('\n', start) - start);
  EXPECT_NE(line.find(percent_change(lat->estimate.ratio) + " avg write latency"),
            std::string::npos)
      << line;
}

}  // namespace
