// The probe's two-CPU pipe figures and the wake-up distribution, as the simulation reads them: a
// probe file without one is refused naming it; with them, each lands in its own cost.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipe_bench/sim/costs.hpp"

namespace pipe_bench::sim {
namespace {

// A probe file's text with every figure the simulation reads, `drop` left out.
std::string probe_text(const std::string& drop) {
  const std::vector<std::pair<std::string, std::string>> figures{
      {"syscall_ns", R"({"median": 200})"},
      {"copy_ns_per_page", R"({"median": 100})"},
      {"copy_read_ns_per_page", R"({"median": 110})"},
      {"futex_wakeup_ns", R"({"median": 25000, "samples": 7})"},
      {"futex_wakeup_quantiles_ns", "[20000, 25000, 40000]"},
      {"mutex_handoff_ns", R"({"median": 40})"},
      {"cross_cpu_copy_ns_per_page", R"({"median": 150})"},
      {"cross_cpu_copy_read_ns_per_page", R"({"median": 400})"},
      {"cross_cpu_alloc_ns_per_page", R"({"median": 300})"},
      {"cross_cpu_free_ns_per_page", R"({"median": 500})"}};
  std::string body;
  for (const auto& [name, value] : figures) {
    if (name == drop) continue;
    body += (body.empty() ? "" : ", ") + ("\"" + name + "\": " + value);
  }
  return R"({"schema": "pipepool-model-preset/1", "alloc_cost_ns": 1, "free_cost_ns": 2,
            "source": {"cross_cpu": "CPU 0 -> CPU 1",
                       "cross_cpu_pipe": "writes on CPU 0, reads on CPU 1", "figures": {)" +
         body + "}}}";
}

TEST(SimCrossCosts, EachTwoCpuFigureLandsInItsCost) {
  const CostsOutcome out = costs_from_probe_text(probe_text(""), "f.json");
  ASSERT_TRUE(out.costs) << out.error;
  EXPECT_DOUBLE_EQ(out.costs->copy_write_ns, 100);
  EXPECT_DOUBLE_EQ(out.costs->copy_read_ns, 110);
  EXPECT_DOUBLE_EQ(out.costs->copy_write_cross_ns, 150);
  EXPECT_DOUBLE_EQ(out.costs->copy_read_cross_ns, 400);
  EXPECT_DOUBLE_EQ(out.costs->alloc_cross_ns, 300);
  EXPECT_DOUBLE_EQ(out.costs->free_cross_ns, 500);
  EXPECT_EQ(out.costs->wakeup_quantiles_ns, (std::vector<double>{20000, 25000, 40000}));
  EXPECT_NE(out.costs->wakeup_source.find("writes on CPU 0, reads on CPU 1"), std::string::npos)
      << out.costs->wakeup_source;
}

TEST(SimCrossCosts, AFileWithoutATwoCpuFigureIsRefusedNamingIt) {
  for (const std::string field :
       {"cross_cpu_copy_ns_per_page", "cross_cpu_copy_read_ns_per_page",
        "cross_cpu_alloc_ns_per_page", "cross_cpu_free_ns_per_page", "futex_wakeup_quantiles_ns"}) {
    SCOPED_TRACE(field);
    const CostsOutcome out = costs_from_probe_text(probe_text(field), "f.json");
    EXPECT_FALSE(out.costs);
    EXPECT_NE(out.error.find(field), std::string::npos) << out.error;
    EXPECT_NE(out.error.find("f.json"), std::string::npos) << out.error;
  }
}

TEST(SimCrossCosts, WakeupQuantilesThatDescendAreRefused) {
  std::string text = probe_text("");
  const std::string good = "[20000, 25000, 40000]";
  text.replace(text.find(good), good.size(), "[20000, 19000, 40000]");
  const CostsOutcome out = costs_from_probe_text(text, "f.json");
  EXPECT_FALSE(out.costs);
  EXPECT_NE(out.error.find("futex_wakeup_quantiles_ns"), std::string::npos) << out.error;
}

}  // namespace
}  // namespace pipe_bench::sim
