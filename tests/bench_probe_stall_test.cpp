// The reclaim-stall rule: a reclaim run compared with a calm one gives the chance that one
// allocation stalls and the stall's duration; noise the calm run has too is not counted.
#include <gtest/gtest.h>

#include <cmath>

#include "bench_probe_test_support.hpp"
#include "pipe_bench/probe.hpp"
#include "pipe_bench/probe_derive.hpp"

namespace {

using bench_test::make_probe_samples;
using bench_test::ProbeCosts;

constexpr double kStallNs = 50000;

// Every `every`-th round's 16-page write has one allocation that stalls for kStallNs.
pipe_bench::ProbeSamples with_stalls(const ProbeCosts& c, std::size_t rounds, std::size_t every) {
  return make_probe_samples(
      c, rounds, {8, 16},
      [&](unsigned k, std::size_t r) {
        const bool stall = k == 16 && every != 0 && r % every == 0;
        return c.alloc + (stall ? kStallNs / 14 : 0.0);
      },
      11);
}

TEST(BenchProbeStall, StallsGiveTheirShareAndDuration) {
  const ProbeCosts c;
  const auto calm = make_probe_samples(c, 2000);
  const auto reclaim = with_stalls(c, 2000, 10);  // 200 of 2000 writes stall once
  const auto s = pipe_bench::derive_reclaim_stall(calm, reclaim);
  EXPECT_EQ(s.pages, 16u);
  EXPECT_EQ(s.samples, 2000u);
  EXPECT_EQ(s.stalled, 200u);
  // threshold: 4 x max(calm p90 ~ 200 ns, 100 ns)
  EXPECT_NEAR(s.threshold_ns, pipe_bench::kStallFactor * c.alloc, 40);
  EXPECT_NEAR(s.probability, 1 - std::pow(0.9, 1.0 / 14), 1e-9);
  EXPECT_NEAR(s.stall_ns, kStallNs, 200);
  EXPECT_FALSE(s.note.empty());
}

TEST(BenchProbeStall, ReportsCompareTheirSamples) {
  const ProbeCosts c;
  pipe_bench::ProbeReport calm, reclaim;
  calm.measurement.samples = make_probe_samples(c, 1000);
  reclaim.measurement.samples = with_stalls(c, 1000, 4);
  const auto s = pipe_bench::derive_reclaim_stall(calm, reclaim);
  EXPECT_EQ(s.stalled, 250u);
  EXPECT_NEAR(s.probability, 1 - std::pow(0.75, 1.0 / 14), 1e-9);
  EXPECT_NEAR(s.stall_ns, kStallNs, 200);
}

TEST(BenchProbeStall, NoStallsGiveZero) {
  const ProbeCosts c;
  const auto s =
      pipe_bench::derive_reclaim_stall(make_probe_samples(c, 1000), make_probe_samples(c, 1000));
  EXPECT_EQ(s.stalled, 0u);
  EXPECT_EQ(s.probability, 0);
  EXPECT_EQ(s.stall_ns, 0);
}

TEST(BenchProbeStall, OutliersTheCalmRunAlsoHasAreNotStalls) {
  // Both runs stall equally often (e.g. preemption on a loaded machine): no reclaim effect.
  const ProbeCosts c;
  const auto s =
      pipe_bench::derive_reclaim_stall(with_stalls(c, 1000, 20), with_stalls(c, 1000, 20));
  EXPECT_EQ(s.stalled, 50u);
  EXPECT_EQ(s.probability, 0);
  EXPECT_EQ(s.stall_ns, 0);
}

TEST(BenchProbeStall, NoCommonPageCountGivesZeroWithAReason) {
  const ProbeCosts c;
  const auto s = pipe_bench::derive_reclaim_stall(make_probe_samples(c, 100, {8}),
                                                  make_probe_samples(c, 100, {16}));
  EXPECT_EQ(s.pages, 0u);
  EXPECT_EQ(s.probability, 0);
  EXPECT_NE(s.note.find("no page count"), std::string::npos) << s.note;
}

}  // namespace
