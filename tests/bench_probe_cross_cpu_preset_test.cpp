// The preset JSON carries the probe's two-CPU figures (futex wake-up, mutex hand-off) with the
// CPUs they were measured on, and says why when they were not measured.
#include <gtest/gtest.h>

#include "pipe_bench/probe.hpp"

namespace {

pipe_bench::ProbeReport report_with_cross(std::size_t rounds) {
  pipe_bench::ProbeReport r;
  r.options.samples = 500;
  r.context = pipe_bench::collect_context();
  for (std::size_t i = 0; i < rounds; ++i) {
    r.cross.samples.timer.push_back(15);
    r.cross.samples.futex_wakeup.push_back(20000 + static_cast<double>(i));
    r.cross.samples.mutex_handoff.push_back(40 + static_cast<double>(i % 3));
  }
  r.cross.cpus = "CPU 0 -> CPU 1";
  r.cross_figures = pipe_bench::derive_cross_cpu(r.cross.samples);
  return r;
}

TEST(BenchProbeCrossCpuPreset, TheTwoCpuFiguresAreInTheFigures) {
  const auto j = pipe_bench::preset_json(report_with_cross(101), pipe_bench::PresetMeta{});
  const auto& figures = j["source"]["figures"];
  ASSERT_TRUE(figures.contains("futex_wakeup_ns"));
  ASSERT_TRUE(figures.contains("mutex_handoff_ns"));
  EXPECT_DOUBLE_EQ(figures["futex_wakeup_ns"]["median"].get<double>(), 20050);
  EXPECT_DOUBLE_EQ(figures["mutex_handoff_ns"]["median"].get<double>(), 41);
  EXPECT_EQ(figures["futex_wakeup_ns"]["samples"], 101);
  EXPECT_EQ(j["source"]["cross_cpu"], "CPU 0 -> CPU 1");
}

TEST(BenchProbeCrossCpuPreset, MissingFiguresSayWhy) {
  pipe_bench::ProbeReport r = report_with_cross(0);
  r.cross.error = "needs 2 CPUs in the affinity mask";
  const auto j = pipe_bench::preset_json(r, pipe_bench::PresetMeta{});
  EXPECT_FALSE(j["source"]["figures"].contains("futex_wakeup_ns"));
  EXPECT_FALSE(j["source"]["figures"].contains("mutex_handoff_ns"));
  EXPECT_EQ(j["source"]["cross_cpu"], "not measured: needs 2 CPUs in the affinity mask");
  EXPECT_NE(pipe_bench::format_probe_report(r).find("needs 2 CPUs"), std::string::npos);
}

}  // namespace
