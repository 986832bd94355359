// pipe_bench --probe --memory-pressure: the probe as it is and inside a memory cgroup at its
// limit, both presets written (the second next to the first, "-reclaim" before the extension),
// and stress-ng mode refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench_test_support.hpp"
#include "pipe_bench/probe_reclaim.hpp"
#include "pipe_bench/reclaim_cgroup.hpp"

namespace {

using bench_test::run_pipe_bench;

TEST(BenchProbeReclaim, ReclaimPresetPathInsertsBeforeTheExtension) {
  EXPECT_EQ(pipe_bench::reclaim_preset_path("probe.json"), "probe-reclaim.json");
  EXPECT_EQ(pipe_bench::reclaim_preset_path("/tmp/a.b/kernel.json"),
            "/tmp/a.b/kernel-reclaim.json");
  EXPECT_EQ(pipe_bench::reclaim_preset_path("/tmp/a.b/out"), "/tmp/a.b/out-reclaim");
  EXPECT_EQ(pipe_bench::reclaim_preset_path("out"), "out-reclaim");
  EXPECT_EQ(pipe_bench::reclaim_preset_path(".hidden"), ".hidden-reclaim");
}

TEST(BenchProbeReclaim, StressNgModeIsRefused) {
  const auto r = run_pipe_bench({"--probe", "--memory-pressure=stress-ng"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--memory-pressure"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(BenchProbeReclaim, BothProbesRunAndThePresetsAreWritten) {
  if (const auto why = pipe_bench::ReclaimCgroup::unavailable({})) GTEST_SKIP() << *why;
  const std::string path = bench_test::temp_path("probe.json");
  const auto r = run_pipe_bench(
      {"--probe", "--probe-samples", "300", "--memory-pressure", "--probe-out", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("probe without reclaim"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reclaim during the probe:"), std::string::npos) << r.out;
  const auto calm = nlohmann::json::parse(bench_test::read_file(path));
  EXPECT_EQ(calm["name"], "kernel");
  EXPECT_EQ(calm["source"]["reclaim"], false);
  if (r.out.find("no reclaim was caused during the probe") != std::string::npos) {
    GTEST_SKIP() << "the cgroup caused no reclaim here: " << r.out;
  }
  const auto reclaim =
      nlohmann::json::parse(bench_test::read_file(pipe_bench::reclaim_preset_path(path)));
  EXPECT_EQ(reclaim["name"], "kernel-reclaim");
  EXPECT_EQ(reclaim["source"]["reclaim"], true);
  EXPECT_NE(reclaim["source"]["reclaim_evidence"].get<std::string>(), "none");
  EXPECT_GE(reclaim["reclaim_stall_probability"].get<double>(), 0.0);
  EXPECT_LE(reclaim["reclaim_stall_probability"].get<double>(), 1.0);
}

}  // namespace
