// The kernel lock model on 1 CPU: the owner of a contended mutex holds the only CPU (or shares
// it), so a waiter never spins; it sleeps, as the kernel's spinner would at once on
// need_resched() or an owner that is not on a CPU.
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimSpinOneCpu, ContendedAcquisitionsSleepAndNeverSpin) {
  for (const unsigned actors : {1u, 5u}) {
    SCOPED_TRACE(actors);
    const SimOutcome out = simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                                      .lock = LockModel::kernel,
                                                      .cpus = 1,
                                                      .actors = actors,
                                                      .duration_s = 0.01},
                                                     default_costs()));
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_GT(out.writes, 0u);
    EXPECT_GT(out.pipe.lock.contended, 0u);
    EXPECT_EQ(out.mutex_spin.spins, 0u);
    EXPECT_EQ(out.mutex_spin.spin_acquisitions, 0u);
    EXPECT_EQ(out.mutex_spin.spin_s, 0.0);
    EXPECT_GE(out.mutex_spin.sleeps, out.pipe.lock.contended);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
