// pipe_bench's reports: the JSON schema (exact keys, null pool counters for kernel pipes) and the
// writes/s ratios of the text report.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "bench_test_support.hpp"
#include "pipe_bench/report.hpp"

namespace {

using namespace pipe_bench;

TargetResult make_result(const std::string& target, std::uint64_t writes, bool with_pool) {
  TargetResult r;
  r.target = target;
  r.config.writers = 2;
  r.config.readers = 3;
  r.config.msg_size = 65536;
  r.config.duration_s = 1.0;
  r.config.pipe_size = 1048576;
  r.config.allocator = with_pool ? "os" : "kernel";
  r.run.writes = writes;
  r.run.bytes_written = writes * 65536;
  r.run.bytes_read = writes * 65536;
  r.run.elapsed_s = 2.0;
  for (std::uint64_t i = 1; i <= writes; ++i) r.run.latency.record(i * 1000);
  if (with_pool) {
    pipepool::PipeStats stats;
    stats.pool.allocs_in_lock = 7;
    stats.pool.allocs_outside_lock = 11;
    stats.pool.frees_in_lock = 13;
    stats.pool.frees_outside_lock = 17;
    stats.pool.pool_hits = 19;
    stats.pool.pool_peak = 2;
    stats.lock.acquisitions = 4 * writes;
    stats.lock.contended = writes;
    stats.lock.hold_ns = 3000 * writes;
    stats.lock.wait_ns = 500 * writes;
    r.run.pipe_stats = stats;
  }
  return r;
}

std::set<std::string> keys(const nlohmann::ordered_json& object) {
  std::set<std::string> out;
  for (const auto& item : object.items()) out.insert(item.key());
  return out;
}

TEST(BenchReport, JsonHasExactlyTheSchemaKeys) {
  RunContext ctx;
  ctx.date = "2026-01-01T00:00:00Z";
  const auto json =
      to_json(ctx, {make_result("kernel", 100, false), make_result("unified", 200, true)});
  EXPECT_EQ(keys(json), (std::set<std::string>{"context", "results"}));
  EXPECT_EQ(keys(json["context"]),
            (std::set<std::string>{"date", "host", "kernel", "cpu_model", "cores", "build_type",
                                   "pipepool_version", "git_revision", "pressure",
                                   "shrinker_pressure_source", "shrinker_memory_events_note",
                                   "model_preset", "copy_mode", "pool_sizes"}));
  EXPECT_EQ(json["context"]["copy_mode"], "parallel");
  ASSERT_EQ(json["results"].size(), 2u);
  for (const auto& r : json["results"]) {
    EXPECT_EQ(keys(r), (std::set<std::string>{"target", "config", "metrics"}));
    EXPECT_EQ(keys(r["config"]),
              (std::set<std::string>{"writers", "readers", "msg_size", "duration_s", "pipe_size",
                                     "allocator", "alloc_cost_ns", "runs", "rate", "verify",
                                     "memory_pressure", "free_cost_ns", "reclaim_stall_probability",
                                     "reclaim_stall_ns", "model_preset"}));
    const std::set<std::string> metrics{"writes",
                                        "writes_per_s",
                                        "throughput_mbps",
                                        "lat_avg_ns",
                                        "lat_p50_ns",
                                        "lat_p90_ns",
                                        "lat_p99_ns",
                                        "lat_p999_ns",
                                        "lat_max_ns",
                                        "bytes_written",
                                        "bytes_read",
                                        "allocs_in_lock",
                                        "allocs_outside_lock",
                                        "frees_in_lock",
                                        "frees_outside_lock",
                                        "pool_hits",
                                        "pool_peak",
                                        "lock_violations",
                                        "lock_hold_ns_per_write",
                                        "lock_wait_ns_per_write",
                                        "lock_contended_per_write",
                                        "lock_acquisitions_per_write",
                                        "pages"};
    EXPECT_EQ(keys(r["metrics"]), metrics);
  }
}

TEST(BenchReport, JsonValuesAndNullPoolCountersForKernel) {
  const auto json =
      to_json(RunContext{}, {make_result("kernel", 100, false), make_result("unified", 200, true)});
  const auto& kernel = json["results"][0];
  EXPECT_EQ(kernel["target"], "kernel");
  EXPECT_EQ(kernel["config"]["allocator"], "kernel");
  EXPECT_EQ(kernel["metrics"]["writes"], 100);
  EXPECT_DOUBLE_EQ(kernel["metrics"]["writes_per_s"].get<double>(), 50.0);      // 100 / 2 s
  EXPECT_DOUBLE_EQ(kernel["metrics"]["throughput_mbps"].get<double>(), 3.125);  // 6.25 MiB / 2 s
  EXPECT_EQ(kernel["metrics"]["lat_max_ns"], 100000);
  for (const char* field :
       {"allocs_in_lock", "allocs_outside_lock", "frees_in_lock", "frees_outside_lock", "pool_hits",
        "pool_peak", "lock_hold_ns_per_write", "lock_wait_ns_per_write",
        "lock_contended_per_write"}) {
    EXPECT_TRUE(kernel["metrics"][field].is_null()) << field;
  }
  const auto& unified = json["results"][1]["metrics"];
  EXPECT_EQ(unified["allocs_in_lock"], 7);
  EXPECT_EQ(unified["allocs_outside_lock"], 11);
  EXPECT_EQ(unified["frees_in_lock"], 13);
  EXPECT_EQ(unified["frees_outside_lock"], 17);
  EXPECT_EQ(unified["pool_hits"], 19);
  EXPECT_EQ(unified["pool_peak"], 2);
  EXPECT_EQ(unified["lock_violations"], 0);
  EXPECT_DOUBLE_EQ(unified["lock_hold_ns_per_write"].get<double>(), 3000.0);
  EXPECT_DOUBLE_EQ(unified["lock_wait_ns_per_write"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(unified["lock_contended_per_write"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(unified["lock_acquisitions_per_write"].get<double>(), 4.0);
  EXPECT_EQ(unified["bytes_read"], unified["bytes_written"]);
}

TEST(BenchReport, RatiosAgainstLegacyAndKernel) {
  const std::string text =
      format_ratios({make_result("kernel", 100, false), make_result("legacy", 200, true),
                     make_result("unified", 300, true)});
  EXPECT_NE(text.find("unified               1.50       3.00"), std::string::npos) << text;
  EXPECT_NE(text.find("kernel                0.50       1.00"), std::string::npos) << text;
}

TEST(BenchReport, RatiosNeedLegacyOrKernel) {
  EXPECT_TRUE(format_ratios({make_result("unified", 300, true)}).empty());
  EXPECT_NE(format_ratios({make_result("unified", 300, true), make_result("legacy", 100, true)})
                .find("unified               3.00          -"),
            std::string::npos);
}

TEST(BenchReport, PoolTableForTargetsWithPageCounts) {
  EXPECT_TRUE(format_pool_table({make_result("kernel", 100, false)}).empty());
  const std::string text =
      format_pool_table({make_result("kernel", 100, false), make_result("legacy", 10, true)});
  EXPECT_EQ(text.find("\nkernel"), std::string::npos) << text;
  // 18 allocs and 30 frees in all, 7 allocs under the lock, per 10 writes.
  EXPECT_NE(text.find("legacy          pipepool      1.80   3.00       0.70"), std::string::npos)
      << text;
  auto kernel = make_result("kernel", 100, false);
  kernel.run.kernel_pages = pipe_bench::KernelPageTraffic{1401, 1399, {}};
  const std::string with_kernel = format_pool_table({kernel});
  EXPECT_NE(with_kernel.find("kernel          tracepoints  14.01  13.99          -          -"),
            std::string::npos)
      << with_kernel;
}

TEST(BenchReport, RatiosAddMemcpyAndANamedBaseline) {
  const std::string text =
      format_ratios({make_result("unified", 300, true), make_result("memcpy", 600, false),
                     make_result("prealloc", 200, true)},
                    "prealloc");
  EXPECT_NE(text.find("/ prealloc"), std::string::npos) << text;
  EXPECT_NE(text.find("/ memcpy"), std::string::npos) << text;
  EXPECT_EQ(text.find("/ legacy"), std::string::npos) << text;
  EXPECT_NE(text.find("unified               1.50       0.50"), std::string::npos) << text;
}

TEST(BenchReport, MediansAndComparisonsPerBaseline) {
  const auto results = bench_test::make_session({"legacy", "prealloc", "unified"}, 1, 3);
  const std::string medians = format_medians(results.front());
  EXPECT_NE(medians.find("median of 3 runs"), std::string::npos) << medians;
  // legacy: 110, 120, 130 writes over 2 s.
  EXPECT_NE(medians.find("60.0 [55.0-65.0]"), std::string::npos) << medians;
  std::vector<Comparison> cmp = compare_with_baseline(results, "legacy");
  for (auto& c : compare_with_baseline(results, "prealloc")) cmp.push_back(c);
  const std::string text = format_comparisons(cmp, 0);
  EXPECT_NE(text.find("vs legacy (ratio [95% CI], 3 paired runs)"), std::string::npos) << text;
  EXPECT_NE(text.find("vs prealloc"), std::string::npos) << text;
  // Per baseline: a blank line, a title, column names, and a row per other target.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), (3 + 2) * 2) << text;
}

TEST(BenchReport, HeaderNamesTheModelCosts) {
  RunConfig rc;
  rc.allocator = "model";
  rc.alloc_cost_ns = 200;
  rc.free_cost_ns = 200;
  rc.reclaim_stall_probability = 0.02;
  rc.reclaim_stall_ns = 20000;
  rc.model_preset = "kernel-reclaim";
  EXPECT_NE(format_header(rc, RunContext{})
                .find("allocator model (preset kernel-reclaim: alloc 200 ns, free 200 ns, stall "
                      "2% x 20 us)"),
            std::string::npos);
  RunConfig plain;
  plain.allocator = "model";
  plain.alloc_cost_ns = 250;
  EXPECT_NE(format_header(plain, RunContext{}).find("allocator model (alloc 250 ns, free 0 ns)"),
            std::string::npos);
}

TEST(BenchReport, SweepTableHasARowPerConfiguration) {
  const auto results = bench_test::make_session({"kernel", "unified"}, 3, 1);
  const std::string text = format_sweep_table(results, false);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3 + 3) << text;
  EXPECT_NE(text.find("kernel"), std::string::npos);
}

}  // namespace
