// `pipe_bench --simulate` from the command line: every output says it is simulated and names the
// CPUs, the seed and the cost source; flags it does not model are refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench_test_support.hpp"

namespace {

using bench_test::run_pipe_bench;

TEST(SimCli, TextAndJsonAreMarkedSimulatedWithCpusSeedAndCostSource) {
  const std::string json_path = bench_test::temp_path("sim.json");
  const auto r = run_pipe_bench({"--simulate", "--cpus", "4", "-w", "2", "-r", "2", "-d", "0.002",
                                 "-t", "legacy,unified", "--seed", "3", "--json", json_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("SIMULATED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 CPUs, seed 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("source: built-in defaults"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hold us"), std::string::npos) << r.out;  // mutex per write table

  const auto doc = nlohmann::json::parse(bench_test::read_file(json_path));
  EXPECT_EQ(doc.at("simulated"), true);
  EXPECT_EQ(doc.at("simulation").at("cpus"), 4);
  EXPECT_EQ(doc.at("simulation").at("seed"), 3);
  EXPECT_FALSE(doc.at("simulation").at("cost_source").get<std::string>().empty());
  ASSERT_EQ(doc.at("results").size(), 2u);
  for (const auto& result : doc.at("results")) {
    EXPECT_EQ(result.at("simulated"), true);
    EXPECT_GT(result.at("metrics").at("writes_per_s").get<double>(), 0);
    EXPECT_TRUE(result.at("metrics").at("allocs_in_lock").is_number());
    EXPECT_TRUE(result.at("metrics").at("lock_hold_ns_per_write").is_number());
  }
}

TEST(SimCli, RefusesTargetsAndFlagsItDoesNotModel) {
  auto r = run_pipe_bench({"--simulate", "-t", "kernel"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--target"), std::string::npos) << r.err;
  r = run_pipe_bench({"--simulate", "--memory-pressure=stress-ng"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--memory-pressure"), std::string::npos) << r.err;
  r = run_pipe_bench({"--cpus", "4"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("needs --simulate"), std::string::npos) << r.err;
}

}  // namespace
