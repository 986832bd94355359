// The probe's two-CPU figures: one sample per round of each, from two pinned threads; refused
// (no samples, one line why) when only one CPU is allowed.
#include <gtest/gtest.h>
#include <sched.h>

#include "bench_probe_test_support.hpp"
#include "pipe_bench/probe_cross_cpu.hpp"

namespace {

using bench_test::allowed_cpus;

TEST(ProbeCrossCpu, EveryRoundGivesOneSampleOfEachFigure) {
  if (allowed_cpus() < 2) GTEST_SKIP() << "needs 2 CPUs";
  const auto m = pipe_bench::measure_cross_cpu(40);
  ASSERT_TRUE(m.error.empty()) << m.error;
  EXPECT_EQ(m.samples.futex_wakeup.size(), 40u);
  EXPECT_EQ(m.samples.mutex_handoff.size(), 40u);
  EXPECT_EQ(m.samples.timer.size(), 40u);
  EXPECT_NE(m.cpus.find("->"), std::string::npos) << m.cpus;
  const auto f = pipe_bench::derive_cross_cpu(m.samples);
  EXPECT_EQ(f.futex_wakeup.samples, 40u);
  EXPECT_EQ(f.mutex_handoff.samples, 40u);
}

TEST(ProbeCrossCpu, OneAllowedCpuIsRefused) {
  const auto m = bench_test::on_one_cpu([] { return pipe_bench::measure_cross_cpu(10); });
  EXPECT_NE(m.error.find("2 CPUs"), std::string::npos) << m.error;
  EXPECT_TRUE(m.samples.futex_wakeup.empty());
  EXPECT_TRUE(m.samples.mutex_handoff.empty());
}

}  // namespace
