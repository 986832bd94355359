// The preset JSON carries the probe's two-CPU pipe figures (copies, allocation and free across
// CPUs) and the wake-up's quantiles, and says why when the pipe rounds were not measured.
#include <gtest/gtest.h>

#include "pipe_bench/probe.hpp"

namespace {

// Synthetic two-CPU pipe rounds: W(k) = 1000 + 200 k + 300 (k - 2)+, R(k) = 1000 + 400 k +
// 600 (k - 2)+, so copy in 200, copy out 400, alloc 300 and free 600 ns per page.
pipe_bench::ProbeReport report_with_pipe_rounds(std::size_t rounds) {
  pipe_bench::ProbeReport r;
  r.options.samples = static_cast<unsigned>(rounds);
  r.context = pipe_bench::collect_context();
  auto& s = r.cross_pipe.samples;
  for (std::size_t i = 0; i < rounds; ++i) {
    s.timer.push_back(20);
    s.getppid.push_back(100);
    s.write0.push_back(220);
    for (const unsigned k : {1u, 2u, 16u}) {
      const double extra = k > 2 ? k - 2.0 : 0.0;
      s.write[k].push_back(1000 + 200.0 * k + 300 * extra);
      s.read[k].push_back(1000 + 400.0 * k + 600 * extra);
    }
    r.cross.samples.timer.push_back(15);
    r.cross.samples.futex_wakeup.push_back(20000 + 100 * static_cast<double>(i));
    r.cross.samples.mutex_handoff.push_back(40);
  }
  r.cross.cpus = "CPU 0 -> CPU 1";
  r.cross_figures = pipe_bench::derive_cross_cpu(r.cross.samples);
  r.cross_pipe.pinning = "writes on CPU 0, reads on CPU 1";
  r.cross_pipe_figures = pipe_bench::derive_figures(s);
  return r;
}

TEST(BenchProbeCrossPipePreset, TheTwoCpuPipeFiguresAndWakeupQuantilesAreInTheFigures) {
  const auto j = pipe_bench::preset_json(report_with_pipe_rounds(101), pipe_bench::PresetMeta{});
  const auto& f = j["source"]["figures"];
  EXPECT_DOUBLE_EQ(f["cross_cpu_copy_ns_per_page"]["median"].get<double>(), 200);
  EXPECT_DOUBLE_EQ(f["cross_cpu_copy_read_ns_per_page"]["median"].get<double>(), 400);
  EXPECT_DOUBLE_EQ(f["cross_cpu_alloc_ns_per_page"]["median"].get<double>(), 300);
  EXPECT_DOUBLE_EQ(f["cross_cpu_free_ns_per_page"]["median"].get<double>(), 600);
  EXPECT_EQ(j["source"]["cross_cpu_pipe"], "writes on CPU 0, reads on CPU 1");
  const auto& q = f["futex_wakeup_quantiles_ns"];
  ASSERT_EQ(q.size(), pipe_bench::kWakeupQuantileSteps + 1);
  EXPECT_DOUBLE_EQ(q.front().get<double>(), 20000);
  EXPECT_DOUBLE_EQ(q.back().get<double>(), 30000);
  for (std::size_t i = 1; i < q.size(); ++i) EXPECT_LE(q[i - 1], q[i]);
  EXPECT_NE(pipe_bench::format_probe_report(report_with_pipe_rounds(101)).find("Rx(2)-Rx(1)"),
            std::string::npos);
}

TEST(BenchProbeCrossPipePreset, MissingPipeRoundsSayWhy) {
  pipe_bench::ProbeReport r = report_with_pipe_rounds(0);
  r.cross_pipe.error = "needs 2 CPUs in the affinity mask";
  const auto j = pipe_bench::preset_json(r, pipe_bench::PresetMeta{});
  EXPECT_FALSE(j["source"]["figures"].contains("cross_cpu_copy_ns_per_page"));
  EXPECT_EQ(j["source"]["cross_cpu_pipe"], "not measured: needs 2 CPUs in the affinity mask");
  EXPECT_NE(pipe_bench::format_probe_report(r).find("pipe figures not measured: needs 2 CPUs"),
            std::string::npos);
}

}  // namespace
