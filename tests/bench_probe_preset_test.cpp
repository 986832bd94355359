// The preset JSON the probe writes: every field the readers require (schema
// pipepool-model-preset/1), in range, consistent with the split decision; reclaim fields from
// PresetMeta.
#include <gtest/gtest.h>

#include <algorithm>

#include "bench_probe_test_support.hpp"
#include "pipe_bench/probe.hpp"

namespace {

pipe_bench::ProbeReport synthetic_report(const bench_test::ProbeCosts& c) {
  pipe_bench::ProbeReport r;
  r.options.samples = 500;
  r.context = pipe_bench::collect_context();
  r.measurement.samples = bench_test::make_probe_samples(c, 500);
  r.measurement.pinning = "CPU 0";
  r.measurement.warmup = 100;
  r.figures = pipe_bench::derive_figures(r.measurement.samples);
  r.split = pipe_bench::choose_split(r.figures);
  return r;
}

void expect_figure(const nlohmann::json& fig, const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(fig.is_object());
  for (const char* key : {"median", "p10", "p90"}) EXPECT_TRUE(fig[key].is_number()) << key;
  EXPECT_LE(fig["p10"].get<double>(), fig["median"].get<double>());
  EXPECT_LE(fig["median"].get<double>(), fig["p90"].get<double>());
  ASSERT_EQ(fig["ci95"].size(), 2u);
  EXPECT_EQ(fig["samples"], 500);
}

TEST(BenchProbePreset, HasEveryFieldInRange) {
  const bench_test::ProbeCosts c;
  const auto r = synthetic_report(c);
  const auto j = pipe_bench::preset_json(r, pipe_bench::PresetMeta{});
  EXPECT_EQ(j["schema"], "pipepool-model-preset/1");
  EXPECT_EQ(j["name"], "kernel");
  const std::string name = j["name"].get<std::string>();
  EXPECT_FALSE(name.empty());
  EXPECT_TRUE(std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  })) << name;
  EXPECT_FALSE(j["description"].get<std::string>().empty());
  EXPECT_NE(j["description"].get<std::string>().find(r.context.kernel), std::string::npos);
  EXPECT_DOUBLE_EQ(j["alloc_cost_ns"].get<double>(), c.alloc);
  EXPECT_DOUBLE_EQ(j["free_cost_ns"].get<double>(), c.free);
  const double share = j["free_share"];
  EXPECT_NEAR(share, c.free / (c.alloc + c.free), 0.001);
  EXPECT_EQ(j["reclaim_stall_probability"], 0.0);
  EXPECT_EQ(j["reclaim_stall_ns"], 0.0);

  const auto& src = j["source"];
  EXPECT_EQ(src["tool"], "pipe_bench --probe");
  EXPECT_EQ(src["kernel"], r.context.kernel);
  EXPECT_EQ(src["host"], r.context.host);
  EXPECT_EQ(src["date"], r.context.date);
  EXPECT_TRUE(src["cpu_model"].is_string());
  EXPECT_EQ(src["reclaim"], false);
  EXPECT_EQ(src["reclaim_evidence"], "none");
  EXPECT_EQ(src["samples"], 500);
  EXPECT_EQ(src["split_robust"], true);
  EXPECT_NE(src["split_note"].get<std::string>().find("separate"), std::string::npos);
  for (const char* f : {"syscall_ns", "copy_ns_per_page", "alloc_ns_per_page", "free_ns_per_page",
                        "alloc_free_ns_per_page"}) {
    expect_figure(src["figures"][f], f);
  }
  EXPECT_NEAR(src["figures"]["alloc_ns_per_page"]["median"].get<double>(), c.alloc, 2);
  EXPECT_TRUE(src["figures"]["by_pages"].contains("8"));
  EXPECT_TRUE(src["checks"].is_array());
}

TEST(BenchProbePreset, ReclaimMetaFillsTheStallFields) {
  const auto r = synthetic_report(bench_test::ProbeCosts{});
  pipe_bench::PresetMeta meta;
  meta.name = "kernel-reclaim";
  meta.reclaim = true;
  meta.reclaim_evidence = "memory.events max +42";
  meta.stall.probability = 0.0125;
  meta.stall.stall_ns = 40123.6;
  meta.stall.note = "k=16: ...";
  const auto j = pipe_bench::preset_json(r, meta);
  EXPECT_EQ(j["name"], "kernel-reclaim");
  EXPECT_DOUBLE_EQ(j["reclaim_stall_probability"].get<double>(), 0.0125);
  EXPECT_DOUBLE_EQ(j["reclaim_stall_ns"].get<double>(), 40124);
  EXPECT_EQ(j["source"]["reclaim"], true);
  EXPECT_EQ(j["source"]["reclaim_evidence"], "memory.events max +42");
  EXPECT_EQ(j["source"]["reclaim_stall_note"], "k=16: ...");
  EXPECT_NE(j["description"].get<std::string>().find("memory cgroup"), std::string::npos);
}

TEST(BenchProbePreset, HalfTheSumWhenNotRobust) {
  bench_test::ProbeCosts c;
  c.free = -30;  // free per page below 0: the split is not trusted
  c.alloc = 330;
  const auto r = synthetic_report(c);
  ASSERT_FALSE(r.split.robust);
  const auto j = pipe_bench::preset_json(r, pipe_bench::PresetMeta{});
  EXPECT_DOUBLE_EQ(j["alloc_cost_ns"].get<double>(), 150);
  EXPECT_DOUBLE_EQ(j["free_cost_ns"].get<double>(), 150);
  EXPECT_DOUBLE_EQ(j["free_share"].get<double>(), 0.5);
  EXPECT_EQ(j["source"]["split_robust"], false);
  EXPECT_NE(j["source"]["split_note"].get<std::string>().find("50/50"), std::string::npos);
}

}  // namespace
