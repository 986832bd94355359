// pipe_bench --summary: one pasteable line per compared target, with the throughput and latency
// changes, their CIs, and the run conditions.
#include <gtest/gtest.h>

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

}  // namespace
