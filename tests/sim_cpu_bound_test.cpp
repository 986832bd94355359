// Closed form: with no time spent under the pipe mutex and more runnable actors than CPUs,
// throughput is CPU-bound: writes/s = N / (CPU per write).
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimCpuBound, ThroughputIsCpusOverCpuPerWrite) {
  // The only cost: 1 us per system call, outside the mutex.
  const SimCosts costs =
      sim_test::only_cost(&SimCosts::syscall_ns, 1000, "test: system calls only");
  for (const auto& [cpus, lock] :
       {std::pair{1u, LockModel::fifo}, std::pair{2u, LockModel::fifo},
        std::pair{3u, LockModel::fifo}, std::pair{2u, LockModel::kernel}}) {
    SCOPED_TRACE(std::to_string(cpus) + " CPUs, " + std::string(describe(lock)));
    const SimOutcome out = simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                                      .lock = lock,
                                                      .cpus = cpus,
                                                      .actors = 4,
                                                      .duration_s = 0.02},
                                                     costs));
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_EQ(out.pipe.lock.hold_ns, 0u);
    // CPU per write: its write call and the read calls that moved its bytes.
    const double calls_per_write =
        static_cast<double>(out.pipe.writes + out.pipe.reads) / static_cast<double>(out.writes);
    const double cpu_per_write_s = calls_per_write * 1e-6;
    EXPECT_NEAR(sim_test::writes_per_s(out) * cpu_per_write_s / cpus, 1.0, 0.01);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
