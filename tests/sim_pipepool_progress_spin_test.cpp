// The pipepool lock model's spin follows the owner's progress, as pipepool's PipeMutex does: an
// owner that copies pages under the mutex reports progress once per page, and a waiter spins on
// past the 10 us window while it sees some, up to 500 us in all. Holds of 32 us made of 2 us page
// copies keep every waiter spinning to the lock; holds of 16 x 40 us = 640 us, beyond the 500 us
// cap, send waiters to sleep although the owner progresses.
#include <gtest/gtest.h>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

SimOutcome run_with_copy_ns(double copy_ns) {
  SimCosts costs = sim_test::only_cost(&SimCosts::copy_write_ns, copy_ns, "test: copy in only");
  costs.syscall_ns = 200;
  return simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                    .lock = LockModel::pipepool,
                                    .cpus = 8,
                                    .actors = 4,
                                    .duration_s = 0.01},
                                   costs));
}

TEST(SimPipepoolProgressSpin, AProgressingOwnerKeepsWaitersSpinning) {
  const SimOutcome out = run_with_copy_ns(2000);
  ASSERT_TRUE(out.ok) << out.error;
  ASSERT_GT(out.pipe.lock.contended, 0u);
  EXPECT_EQ(out.mutex_spin.sleeps, 0u);
  EXPECT_EQ(out.mutex_spin.spin_acquisitions, out.pipe.lock.contended);
}

TEST(SimPipepoolProgressSpin, TheSpinStopsAtItsCapHoweverTheOwnerProgresses) {
  const SimOutcome out = run_with_copy_ns(40000);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_GT(out.mutex_spin.sleeps, 0u);
  EXPECT_LT(out.mutex_spin.spin_acquisitions, out.pipe.lock.contended);
}

}  // namespace
}  // namespace pipe_bench::sim
