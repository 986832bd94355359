// The probe's two-CPU pipe rounds: writes on one CPU, reads on another, one sample of every
// variant per round (so the one-CPU derivation applies unchanged); refused (no samples, one line
// why) when one CPU is allowed.
#include <gtest/gtest.h>
#include <sched.h>

#include "bench_probe_test_support.hpp"
#include "pipe_bench/probe_derive.hpp"
#include "pipe_bench/probe_measure.hpp"

namespace {

using bench_test::allowed_cpus;

pipe_bench::ProbeOptions small() {
  pipe_bench::ProbeOptions o;
  o.samples = 30;
  o.warmup = 5;
  o.pages = {1, 2, 8};
  return o;
}

TEST(ProbeCrossPipe, EveryRoundGivesOneSampleOfEachVariant) {
  if (allowed_cpus() < 2) GTEST_SKIP() << "needs 2 CPUs";
  const auto m = pipe_bench::measure_pipe_costs_across_cpus(small());
  ASSERT_TRUE(m.error.empty()) << m.error;
  EXPECT_NE(m.pinning.find("writes on CPU"), std::string::npos) << m.pinning;
  EXPECT_NE(m.pinning.find("reads on CPU"), std::string::npos) << m.pinning;
  EXPECT_EQ(m.warmup, 5u);
  EXPECT_EQ(m.samples.timer.size(), 30u);
  for (const unsigned k : {1u, 2u, 8u}) {
    EXPECT_EQ(m.samples.write.at(k).size(), 30u);
    EXPECT_EQ(m.samples.read.at(k).size(), 30u);
  }
  const auto f = pipe_bench::derive_figures(m.samples);
  EXPECT_EQ(f.copy_read.samples, 30u);
  EXPECT_EQ(f.pages, 8u);
}

TEST(ProbeCrossPipe, AffinityIsRestored) {
  if (allowed_cpus() < 2) GTEST_SKIP() << "needs 2 CPUs";
  cpu_set_t before;
  ASSERT_EQ(::sched_getaffinity(0, sizeof before, &before), 0);
  (void)pipe_bench::measure_pipe_costs_across_cpus(small());
  cpu_set_t after;
  ASSERT_EQ(::sched_getaffinity(0, sizeof after, &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

TEST(ProbeCrossPipe, OneAllowedCpuIsRefused) {
  const auto m =
      bench_test::on_one_cpu([] { return pipe_bench::measure_pipe_costs_across_cpus(small()); });
  EXPECT_NE(m.error.find("2 CPUs"), std::string::npos) << m.error;
  EXPECT_TRUE(m.samples.timer.empty());
}

}  // namespace
