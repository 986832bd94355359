// The time-per-write breakdown of a simulated run. Closed forms with one cost set: a copy of
// 250 ns per page written is all of the hold (16 pages per 64 KiB write) and all of the CPU; an
// allocation cost lands in the hold's alloc share, once per page allocated under the mutex. From
// the command line, the text prints the table and the JSON has "breakdown" per result and run.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "bench_test_support.hpp"
#include "pipe_bench/sim/breakdown.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

std::map<std::string, double> as_map(const std::vector<std::pair<std::string, double>>& v) {
  return {v.begin(), v.end()};
}

TEST(SimBreakdown, ACopyUnderTheMutexIsTheWholeHoldAndCpu) {
  const SimCosts costs = sim_test::only_cost(&SimCosts::copy_write_ns, 250, "test: copy in only");
  const SimOutcome out = simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                                    .lock = LockModel::fifo,
                                                    .cpus = 16,
                                                    .actors = 2,
                                                    .duration_s = 0.005},
                                                   costs));
  ASSERT_TRUE(out.ok) << out.error;
  const auto b = as_map(breakdown_per_write(out, costs));
  ASSERT_EQ(b.size(), 7u);
  EXPECT_NEAR(b.at("hold_copy_ns"), 16 * 250, 1.0);
  EXPECT_DOUBLE_EQ(b.at("hold_alloc_ns"), 0);
  EXPECT_DOUBLE_EQ(b.at("hold_free_ns"), 0);
  EXPECT_NEAR(b.at("hold_other_ns"), 0, 1.0);
  EXPECT_NEAR(b.at("cpu_busy_ns"), 16 * 250, 1.0);
  EXPECT_GT(b.at("wait_ns"), 0);  // two writers share one lock that is never free
}

TEST(SimBreakdown, AllocationsUnderTheMutexAreTheHoldsAllocShare) {
  const SimCosts costs = sim_test::only_cost(&SimCosts::alloc_ns, 300, "test: alloc only");
  const SimOutcome out = simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                                    .lock = LockModel::fifo,
                                                    .cpus = 4,
                                                    .actors = 1,
                                                    .duration_s = 0.005},
                                                   costs));
  ASSERT_TRUE(out.ok) << out.error;
  const auto b = as_map(breakdown_per_write(out, costs));
  const double allocs = static_cast<double>(out.pipe.pool.allocs_in_lock);
  ASSERT_GT(allocs, 0);
  EXPECT_NEAR(b.at("hold_alloc_ns") * static_cast<double>(out.writes), 300 * allocs, 1.0);
  EXPECT_DOUBLE_EQ(b.at("hold_copy_ns"), 0);
}

TEST(SimBreakdown, TextAndJsonCarryTheBreakdown) {
  const std::string json_path = bench_test::temp_path("breakdown.json");
  const auto r = bench_test::run_pipe_bench({"--simulate", "-w", "1", "-r", "1", "-d", "0.002",
                                             "-t", "legacy", "--runs", "2", "--json", json_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("time per write, us"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json_path));
  ASSERT_EQ(doc.at("results").size(), 1u);
  const auto& result = doc.at("results").at(0);
  for (const char* field : {"hold_alloc_ns", "hold_free_ns", "hold_copy_ns", "hold_off_cpu_ns",
                            "hold_other_ns", "wait_ns", "cpu_busy_ns"}) {
    SCOPED_TRACE(field);
    EXPECT_TRUE(result.at("breakdown").at(field).is_number());
    for (const auto& run : result.at("runs"))
      EXPECT_TRUE(run.at("breakdown").at(field).is_number());
  }
  EXPECT_GT(result.at("breakdown").at("hold_copy_ns").get<double>(), 0);
  EXPECT_FALSE(doc.at("simulation").at("page_model").get<std::string>().empty());
}

}  // namespace
}  // namespace pipe_bench::sim
