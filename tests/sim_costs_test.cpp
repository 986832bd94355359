// The simulation's costs: read from a probe file, and the built-in defaults are that file's.
#include <gtest/gtest.h>

#include "pipe_bench/sim/costs.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimCosts, DefaultsAreTheMediansOfTheCheckedInProbeFile) {
  const CostsOutcome file = costs_from_probe_file(PIPE_BENCH_SIM_DEFAULT_PROBE);
  ASSERT_TRUE(file.costs) << file.error;
  const SimCosts d = default_costs();
  EXPECT_DOUBLE_EQ(d.syscall_ns, file.costs->syscall_ns);
  EXPECT_DOUBLE_EQ(d.copy_write_ns, file.costs->copy_write_ns);
  EXPECT_DOUBLE_EQ(d.copy_read_ns, file.costs->copy_read_ns);
  EXPECT_DOUBLE_EQ(d.alloc_ns, file.costs->alloc_ns);
  EXPECT_DOUBLE_EQ(d.free_ns, file.costs->free_ns);
  EXPECT_DOUBLE_EQ(d.wakeup_ns, file.costs->wakeup_ns);
  EXPECT_DOUBLE_EQ(d.handoff_ns, file.costs->handoff_ns);
  EXPECT_DOUBLE_EQ(d.copy_write_cross_ns, file.costs->copy_write_cross_ns);
  EXPECT_DOUBLE_EQ(d.copy_read_cross_ns, file.costs->copy_read_cross_ns);
  EXPECT_DOUBLE_EQ(d.alloc_cross_ns, file.costs->alloc_cross_ns);
  EXPECT_DOUBLE_EQ(d.free_cross_ns, file.costs->free_cross_ns);
  EXPECT_EQ(d.wakeup_quantiles_ns, file.costs->wakeup_quantiles_ns);
  EXPECT_NE(file.costs->source.find("probe file"), std::string::npos);
}

TEST(SimCosts, AFileWithoutTheProbeFiguresIsRefusedNamingTheField) {
  const CostsOutcome out = costs_from_probe_text(
      R"({"schema": "pipepool-model-preset/1", "alloc_cost_ns": 1, "free_cost_ns": 2})", "f.json");
  EXPECT_FALSE(out.costs);
  EXPECT_NE(out.error.find("syscall_ns"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("f.json"), std::string::npos) << out.error;
}

TEST(SimCosts, AFileWithoutTheTwoCpuFiguresIsRefusedNamingTheField) {
  const CostsOutcome out = costs_from_probe_text(
      R"({"schema": "pipepool-model-preset/1", "alloc_cost_ns": 1, "free_cost_ns": 2,
          "source": {"figures": {"syscall_ns": {"median": 200},
                                 "copy_ns_per_page": {"median": 100},
                                 "copy_read_ns_per_page": {"median": 100},
                                 "mutex_handoff_ns": {"median": 40}}}})",
      "f.json");
  EXPECT_FALSE(out.costs);
  EXPECT_NE(out.error.find("futex_wakeup_ns"), std::string::npos) << out.error;
}

TEST(SimCosts, TheTwoCpuFiguresAreReadWithTheirSource) {
  const CostsOutcome out = costs_from_probe_text(
      R"({"schema": "pipepool-model-preset/1", "alloc_cost_ns": 1, "free_cost_ns": 2,
          "source": {"cross_cpu": "CPU 0 -> CPU 1",
                     "figures": {"syscall_ns": {"median": 200},
                                 "copy_ns_per_page": {"median": 100},
                                 "copy_read_ns_per_page": {"median": 100},
                                 "futex_wakeup_ns": {"median": 25000, "samples": 7},
                                 "futex_wakeup_quantiles_ns": [20000, 25000, 40000],
                                 "cross_cpu_copy_ns_per_page": {"median": 150},
                                 "cross_cpu_copy_read_ns_per_page": {"median": 400},
                                 "cross_cpu_alloc_ns_per_page": {"median": 300},
                                 "cross_cpu_free_ns_per_page": {"median": 500},
                                 "mutex_handoff_ns": {"median": 40}}}})",
      "f.json");
  ASSERT_TRUE(out.costs) << out.error;
  EXPECT_DOUBLE_EQ(out.costs->wakeup_ns, 25000);
  EXPECT_DOUBLE_EQ(out.costs->handoff_ns, 40);
  EXPECT_NE(out.costs->wakeup_source.find("f.json"), std::string::npos);
  EXPECT_NE(out.costs->wakeup_source.find("futex_wakeup_ns"), std::string::npos);
  EXPECT_NE(out.costs->wakeup_source.find("CPU 0 -> CPU 1"), std::string::npos);
}

}  // namespace
}  // namespace pipe_bench::sim
