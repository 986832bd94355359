// Closed form: with no time spent under the pipe mutex and more runnable actors than CPUs,
// throughput is CPU-bound: writes/s = N / (CPU per write).
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "pipe_bench/sim/simulation.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimCpuBound, ThroughputIsCpusOverCpuPerWrite) {
  // The only cost: 1 us per system call, outside the mutex.
  SimCosts costs;
  costs.syscall_ns = 1000;
  costs.source = "test: system calls only";
  for (const auto& [cpus, lock] :
       {std::pair{1u, LockModel::fifo}, std::pair{2u, LockModel::fifo},
        std::pair{3u, LockModel::fifo}, std::pair{2u, LockModel::kernel}}) {
    SCOPED_TRACE(std::to_string(cpus) + " CPUs, " + std::string(describe(lock)));
    SimConfig c;
    c.lock_model = lock;
    c.policy = pipepool::PolicyKind::legacy;
    c.cpus = cpus;
    c.writers = 4;
    c.readers = 4;
    c.duration_s = 0.02;
    c.costs = costs;
    const SimOutcome out = simulate(c);
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_EQ(out.pipe.lock.hold_ns, 0u);
    // CPU per write: its write call and the read calls that moved its bytes.
    const double calls_per_write =
        static_cast<double>(out.pipe.writes + out.pipe.reads) / static_cast<double>(out.writes);
    const double cpu_per_write_s = calls_per_write * 1e-6;
    const double writes_per_s = static_cast<double>(out.writes) / out.elapsed_s;
    EXPECT_NEAR(writes_per_s * cpu_per_write_s / cpus, 1.0, 0.01);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
