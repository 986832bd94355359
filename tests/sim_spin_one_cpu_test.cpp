// The kernel lock model on 1 CPU: the mutex is contended only when its owner was preempted
// holding it (the owner is then not on a CPU), so a waiter never spins; it sleeps, as the
// kernel's spinner would at once on an owner that is not on a CPU.
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimSpinOneCpu, ContendedAcquisitionsSleepAndNeverSpin) {
  for (const unsigned actors : {2u, 5u}) {
    SCOPED_TRACE(actors);
    SimConfig c = sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                    .lock = LockModel::kernel,
                                    .cpus = 1,
                                    .actors = actors,
                                    .duration_s = 0.02},
                                   default_costs());
    // A pipe large enough that a writer runs out its slice before the pipe fills (a 1 MiB pipe
    // fills in ~0.3 ms, less than the 0.7 ms slice, and the writer then sleeps holding nothing).
    c.pipe_size = 16 << 20;
    const SimOutcome out = simulate(c);
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_GT(out.writes, 0u);
    EXPECT_GT(out.pipe.lock.contended, 0u);
    EXPECT_GT(out.mutex_spin.holder_preemptions, 0u);
    // Each preemption of an owner lets at most every other task find the mutex taken once.
    EXPECT_LE(out.pipe.lock.contended, out.mutex_spin.holder_preemptions * (2 * actors - 1));
    EXPECT_EQ(out.mutex_spin.spins, 0u);
    EXPECT_EQ(out.mutex_spin.spin_acquisitions, 0u);
    EXPECT_EQ(out.mutex_spin.spin_s, 0.0);
    EXPECT_GE(out.mutex_spin.sleeps, out.pipe.lock.contended);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
