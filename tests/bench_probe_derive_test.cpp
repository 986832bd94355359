// The probe's arithmetic on synthetic samples with known costs: syscall, copy, alloc and free per
// page by difference, and the split rule (separate when every model check passes, else 50/50 of
// the sum).
#include <gtest/gtest.h>

#include "bench_probe_test_support.hpp"
#include "pipe_bench/probe_derive.hpp"

namespace {

using bench_test::make_probe_samples;
using bench_test::ProbeCosts;

TEST(BenchProbeDerive, RecoversTheCostsTheSamplesAreMadeOf) {
  const ProbeCosts c;
  const auto f = pipe_bench::derive_figures(make_probe_samples(c, 2000));
  EXPECT_NEAR(f.timer.median, c.timer, 1);
  EXPECT_NEAR(f.syscall.median, c.syscall, 1);
  EXPECT_NEAR(f.getppid.median, c.getppid, 1);
  EXPECT_NEAR(f.copy_write.median, c.copy, 1);
  EXPECT_NEAR(f.copy_read.median, c.copy, 1);
  ASSERT_EQ(f.by_pages.size(), 2u);
  EXPECT_EQ(f.by_pages[0].pages, 8u);
  EXPECT_EQ(f.pages, 16u);
  for (const auto& p : f.by_pages) {
    EXPECT_NEAR(p.alloc.median, c.alloc, 2) << p.pages;
    EXPECT_NEAR(p.free.median, c.free, 2) << p.pages;
    EXPECT_NEAR(p.alloc_free.median, c.alloc + c.free, 3) << p.pages;
    EXPECT_EQ(p.alloc.samples, 2000u);
  }
  EXPECT_DOUBLE_EQ(f.alloc.median, f.by_pages[1].alloc.median);
  EXPECT_LE(f.alloc.p10, f.alloc.median);
  EXPECT_GE(f.alloc.p90, f.alloc.median);
  EXPECT_LT(f.alloc.p10, f.alloc.p90);  // the noise shows in the spread
}

TEST(BenchProbeDerive, DifferencesArePairedPerRound) {
  // A drift common to every variant of a round cancels in the differences.
  ProbeCosts c;
  c.noise_sd = 0;
  auto s = make_probe_samples(c, 100);
  for (std::size_t r = 0; r < 100; ++r) {
    const double drift = (r % 2 == 0) ? 0 : 5000;
    for (auto& [k, v] : s.write) v[r] += drift;
    for (auto& [k, v] : s.read) v[r] += drift;
  }
  const auto f = pipe_bench::derive_figures(s);
  EXPECT_DOUBLE_EQ(f.copy_write.median, c.copy);
  EXPECT_DOUBLE_EQ(f.alloc.median, c.alloc);
  EXPECT_DOUBLE_EQ(f.free.median, c.free);
  EXPECT_DOUBLE_EQ(f.alloc.p90, c.alloc);
}

TEST(BenchProbeDerive, RobustFiguresAreUsedSeparately) {
  const ProbeCosts c;
  const auto d = pipe_bench::choose_split(pipe_bench::derive_figures(make_probe_samples(c, 2000)));
  EXPECT_TRUE(d.robust);
  for (const auto& check : d.checks) EXPECT_EQ(check.rfind("ok: ", 0), 0u) << check;
  EXPECT_EQ(d.checks.size(), 5u);  // 1-page write, copy, alloc, free, k=8 vs k=16
  EXPECT_NEAR(d.alloc_cost_ns, c.alloc, 2);
  EXPECT_NEAR(d.free_cost_ns, c.free, 2);
  EXPECT_NEAR(d.free_share, c.free / (c.alloc + c.free), 0.01);
  EXPECT_NE(d.note.find("separate"), std::string::npos) << d.note;
}

TEST(BenchProbeDerive, UnstableAcrossKFallsBackToHalfTheSum) {
  // Alloc per page grows with k: k=8 and k=16 disagree, so the split is not trusted.
  const ProbeCosts c;
  const auto s = make_probe_samples(
      c, 1000, {8, 16}, [](unsigned k, std::size_t) { return k == 16 ? 400.0 : 200.0; });
  const auto f = pipe_bench::derive_figures(s);
  const auto d = pipe_bench::choose_split(f);
  EXPECT_FALSE(d.robust);
  EXPECT_EQ(d.checks.back().rfind("FAIL: k=8", 0), 0u) << d.checks.back();
  EXPECT_DOUBLE_EQ(d.alloc_cost_ns, f.alloc_free.median / 2);
  EXPECT_DOUBLE_EQ(d.free_cost_ns, d.alloc_cost_ns);
  EXPECT_DOUBLE_EQ(d.free_share, 0.5);
  EXPECT_NEAR(d.alloc_cost_ns + d.free_cost_ns, 400 + c.free, 3);
  EXPECT_NE(d.note.find("50/50"), std::string::npos) << d.note;
}

TEST(BenchProbeDerive, FreeIndistinguishableFromZeroFallsBackToHalfTheSum) {
  ProbeCosts c;
  c.free = 0;
  c.noise_sd = 20;
  const auto d = pipe_bench::choose_split(pipe_bench::derive_figures(make_probe_samples(c, 500)));
  EXPECT_FALSE(d.robust);
  EXPECT_NEAR(d.alloc_cost_ns, c.alloc / 2, 10);
  EXPECT_DOUBLE_EQ(d.free_cost_ns, d.alloc_cost_ns);
}

TEST(BenchProbeDerive, NegativeSumClampsCostsAtZero) {
  ProbeCosts c;
  c.alloc = -50;
  c.free = -50;
  c.noise_sd = 0;
  const auto d = pipe_bench::choose_split(pipe_bench::derive_figures(make_probe_samples(c, 50)));
  EXPECT_FALSE(d.robust);
  EXPECT_EQ(d.alloc_cost_ns, 0);
  EXPECT_EQ(d.free_cost_ns, 0);
  EXPECT_DOUBLE_EQ(d.free_share, 0.5);
}

TEST(BenchProbeDerive, MissingCountsGiveNoAllocFigure) {
  pipe_bench::ProbeSamples s = make_probe_samples(ProbeCosts{}, 10, {8});
  s.write.erase(1);
  EXPECT_TRUE(pipe_bench::alloc_per_page(s, 8).empty());
  EXPECT_TRUE(pipe_bench::alloc_per_page(s, 2).empty());  // k must exceed 2
  const auto f = pipe_bench::derive_figures(s);
  EXPECT_EQ(f.copy_write.samples, 0u);
  EXPECT_FALSE(pipe_bench::choose_split(f).robust);
}

}  // namespace
