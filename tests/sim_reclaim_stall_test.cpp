// Memory pressure in the simulation: each allocation stalls in reclaim with the given probability;
// the stall is charged where the policy allocates (under the mutex for legacy), the same seed
// gives the same stalls, and `--simulate --memory-pressure` takes the built-in kernel-reclaim
// preset's stall and says so.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench_test_support.hpp"
#include "pipe_bench/sim/breakdown.hpp"
#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

SimCosts stall_costs(double probability) {
  SimCosts costs = sim_test::only_cost(&SimCosts::copy_write_ns, 100, "test: copy and stall");
  costs.reclaim_stall_probability = probability;
  costs.reclaim_stall_ns = 1000;
  return costs;
}

SimOutcome run(double probability, std::uint64_t seed) {
  SimConfig c = sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                  .lock = LockModel::fifo,
                                  .cpus = 4,
                                  .actors = 1,
                                  .duration_s = 0.005},
                                 stall_costs(probability));
  c.seed = seed;
  return simulate(c);
}

TEST(SimReclaimStall, EveryAllocationStallsWithProbabilityOne) {
  const SimOutcome out = run(1.0, 1);
  ASSERT_TRUE(out.ok) << out.error;
  const auto& pool = out.pipe.pool;
  EXPECT_EQ(out.reclaim_stalls, pool.allocs_in_lock + pool.allocs_outside_lock);
  // Legacy allocates under the mutex: the hold's allocation share is the stalls' time.
  const auto b = breakdown_per_write(out, stall_costs(1.0));
  EXPECT_NEAR(b[0].second,
              1000.0 * static_cast<double>(pool.allocs_in_lock) / static_cast<double>(out.writes),
              1e-6);
}

TEST(SimReclaimStall, StallsFollowTheProbabilityAndTheSeed) {
  const SimOutcome none = run(0, 1);
  const SimOutcome a = run(0.5, 3);
  const SimOutcome b = run(0.5, 3);
  ASSERT_TRUE(none.ok && a.ok && b.ok);
  EXPECT_EQ(none.reclaim_stalls, 0u);
  EXPECT_EQ(a.reclaim_stalls, b.reclaim_stalls);
  EXPECT_EQ(a.writes, b.writes);
  const double allocs = static_cast<double>(a.pipe.pool.allocs_in_lock);
  EXPECT_GT(static_cast<double>(a.reclaim_stalls), 0.4 * allocs);
  EXPECT_LT(static_cast<double>(a.reclaim_stalls), 0.6 * allocs);
}

TEST(SimReclaimStall, MemoryPressureTakesTheReclaimPreset) {
  const std::string json_path = bench_test::temp_path("sim_reclaim.json");
  const auto r =
      bench_test::run_pipe_bench({"--simulate", "--memory-pressure", "-w", "1", "-r", "1", "-d",
                                  "0.002", "-t", "legacy", "--json", json_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("reclaim stall"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json_path));
  const auto& sim = doc.at("simulation");
  EXPECT_GT(sim.at("costs_ns").at("reclaim_stall").get<double>(), 0);
  EXPECT_NE(sim.at("cost_source").get<std::string>().find("kernel-reclaim"), std::string::npos);
}

}  // namespace
}  // namespace pipe_bench::sim
