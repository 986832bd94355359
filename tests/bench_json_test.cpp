// pipe_bench's session JSON: runs, medians, min/max, comparisons with a 2-number ci95 around the
// ratio, the CI method, and the context (git revision, memory pressure).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "bench_test_support.hpp"
#include "pipe_bench/json_report.hpp"

namespace {

using namespace pipe_bench;

std::set<std::string> keys(const nlohmann::ordered_json& object) {
  std::set<std::string> out;
  for (const auto& item : object.items()) out.insert(item.key());
  return out;
}

TEST(BenchJson, SessionHasRunsMediansAndComparisons) {
  const auto results = bench_test::make_session({"legacy", "unified", "kernel"}, 1, 3);
  const auto cmp = compare_with_baseline(results, "legacy");
  RunContext ctx;
  ctx.git_revision = "abc1234";
  const auto json = session_json(ctx, results, cmp, {"legacy"});

  EXPECT_EQ(keys(json), (std::set<std::string>{"context", "baseline", "baselines", "ci_method",
                                               "ci_method_description", "results", "comparisons"}));
  EXPECT_EQ(json["ci_method"], "student_t_paired_log_ratio");
  EXPECT_EQ(json["baseline"], "legacy");
  EXPECT_EQ(json["baselines"], nlohmann::ordered_json::array({"legacy"}));
  EXPECT_EQ(json["context"]["git_revision"], "abc1234");
  EXPECT_TRUE(json["context"]["pressure"].is_null());

  ASSERT_EQ(json["results"].size(), 3u);
  for (const auto& r : json["results"]) {
    EXPECT_EQ(keys(r), (std::set<std::string>{"target", "config_index", "config", "metrics",
                                              "median", "min", "max", "runs"}));
    EXPECT_EQ(r["config_index"], 0);
    ASSERT_EQ(r["runs"].size(), 3u);
    EXPECT_EQ(r["config"]["runs"], 3);
    EXPECT_EQ(r["metrics"], r["median"]);  // the Core key holds the medians
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(r["runs"][i]["run"], i + 1);
      EXPECT_EQ(keys(r["runs"][i]), (std::set<std::string>{"run", "elapsed_s", "pressure_rss_bytes",
                                                           "verify", "metrics", "reclaim"}));
      EXPECT_TRUE(r["runs"][i]["reclaim"].is_null());  // no --memory-pressure
    }
    const double lo = r["min"]["writes_per_s"], mid = r["median"]["writes_per_s"],
                 hi = r["max"]["writes_per_s"];
    EXPECT_LE(lo, mid);
    EXPECT_LE(mid, hi);
  }
  // legacy runs have 110, 120, 130 writes over 2 s: median 60 writes/s.
  EXPECT_DOUBLE_EQ(json["results"][0]["median"]["writes_per_s"].get<double>(), 60.0);

  ASSERT_EQ(json["comparisons"].size(), 4u);
  for (const auto& c : json["comparisons"]) {
    EXPECT_EQ(keys(c), (std::set<std::string>{"config", "baseline", "target", "metric", "ratio",
                                              "ci95", "runs", "half_width_pct", "resolved",
                                              "rounds", "stop_reason"}));
    EXPECT_EQ(c["baseline"], "legacy");
    ASSERT_TRUE(c["ci95"].is_array());
    ASSERT_EQ(c["ci95"].size(), 2u);
    const double lo = c["ci95"][0], ratio = c["ratio"], hi = c["ci95"][1];
    EXPECT_LE(lo, ratio);
    EXPECT_LE(ratio, hi);
    EXPECT_EQ(c["config"]["writers"], 1);
    EXPECT_EQ(c["config"]["readers"], 5);
  }
}

TEST(BenchJson, SingleRunComparisonHasNullCi) {
  const auto results = bench_test::make_session({"legacy", "unified"}, 1, 1);
  const auto json =
      session_json(RunContext{}, results, compare_with_baseline(results, "legacy"), {"legacy"});
  ASSERT_EQ(json["comparisons"].size(), 2u);
  EXPECT_TRUE(json["comparisons"][0]["ci95"].is_null());
}

TEST(BenchJson, ContextRecordsThePressure) {
  RunContext ctx;
  ctx.pressure = PressureInfo{
      "stress-ng --vm 1 --vm-bytes 64M --vm-method all", 1, "64M", "all", 123456789, 1.5};
  const auto json = context_json(ctx);
  EXPECT_EQ(json["pressure"]["command"], "stress-ng --vm 1 --vm-bytes 64M --vm-method all");
  EXPECT_EQ(json["pressure"]["workers"], 1);
  EXPECT_EQ(json["pressure"]["vm_bytes"], "64M");
  EXPECT_EQ(json["pressure"]["rss_bytes_at_start"], 123456789);
}

TEST(BenchJson, ConfigRecordsAllocCostRateAndPressure) {
  RunConfig rc;
  rc.allocator = "model";
  rc.alloc_cost_ns = 250;
  rc.rate = 1000;
  rc.verify = true;
  rc.pressure = "stress-ng --vm 4 --vm-bytes 80% --vm-method all";
  const auto json = config_json(rc, 3);
  EXPECT_EQ(json["alloc_cost_ns"], 250);
  EXPECT_EQ(json["rate"], 1000.0);
  EXPECT_EQ(json["verify"], true);
  EXPECT_EQ(json["runs"], 3);
  EXPECT_EQ(json["memory_pressure"], rc.pressure);
  RunConfig closed;
  EXPECT_TRUE(config_json(closed, 1)["rate"].is_null());
  EXPECT_TRUE(config_json(closed, 1)["memory_pressure"].is_null());
  EXPECT_TRUE(config_json(closed, 1)["model_preset"].is_null());
  EXPECT_EQ(config_json(closed, 1)["free_cost_ns"], 0);
}

TEST(BenchJson, ConfigRecordsTheModelCostsAndPreset) {
  RunConfig rc;
  rc.allocator = "model";
  rc.alloc_cost_ns = 200;
  rc.free_cost_ns = 150;
  rc.reclaim_stall_probability = 0.02;
  rc.reclaim_stall_ns = 20000;
  rc.model_preset = "kernel-reclaim";
  const auto json = config_json(rc, 1);
  EXPECT_EQ(json["free_cost_ns"], 150);
  EXPECT_DOUBLE_EQ(json["reclaim_stall_probability"].get<double>(), 0.02);
  EXPECT_EQ(json["reclaim_stall_ns"], 20000);
  EXPECT_EQ(json["model_preset"], "kernel-reclaim");
}

TEST(BenchJson, ContextRecordsThePresetAndItsSource) {
  RunContext ctx;
  EXPECT_TRUE(context_json(ctx)["model_preset"].is_null());
  ModelPreset p;
  p.name = "kernel";
  p.description = "provisional";
  p.alloc_cost_ns = 200;
  p.free_cost_ns = 100;
  p.free_share = 1.0 / 3;
  p.source_json = R"({"tool":"pipe_bench --probe","samples":2000})";
  p.origin = "built-in";
  ctx.model_preset = p;
  const auto json = context_json(ctx)["model_preset"];
  EXPECT_EQ(json["name"], "kernel");
  EXPECT_EQ(json["origin"], "built-in");
  EXPECT_EQ(json["alloc_cost_ns"], 200);
  EXPECT_EQ(json["free_cost_ns"], 100);
  EXPECT_EQ(json["source"]["samples"], 2000);
  EXPECT_EQ(json["source"]["tool"], "pipe_bench --probe");
}

}  // namespace
