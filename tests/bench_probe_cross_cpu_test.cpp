// The probe's two-CPU figures: one sample per round of each, from two pinned threads; refused
// (no samples, one line why) when only one CPU is allowed.
#include <gtest/gtest.h>
#include <sched.h>

#include "pipe_bench/probe_cross_cpu.hpp"

namespace {

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

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
  cpu_set_t old;
  ASSERT_EQ(::sched_getaffinity(0, sizeof old, &old), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(::sched_getcpu(), &one);
  ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
  const auto m = pipe_bench::measure_cross_cpu(10);
  ASSERT_EQ(::sched_setaffinity(0, sizeof old, &old), 0);
  EXPECT_NE(m.error.find("2 CPUs"), std::string::npos) << m.error;
  EXPECT_TRUE(m.samples.futex_wakeup.empty());
  EXPECT_TRUE(m.samples.mutex_handoff.empty());
}

}  // namespace
