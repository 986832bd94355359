// The kernel lock model with more tasks than CPUs (5 writers, 5 readers on 2 CPUs): waiters spin
// while a CPU is free for them and sleep otherwise, so both happen; a spin that ends without the
// lock (a woken task needed the CPU, or the lock went to a sleeping waiter) is followed by a sleep.
#include <gtest/gtest.h>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimSpinOvercommit, WaitersBothSpinAndSleep) {
  const SimOutcome out = simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                                    .lock = LockModel::kernel,
                                                    .cpus = 2,
                                                    .actors = 5,
                                                    .duration_s = 0.01},
                                                   default_costs()));
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.bytes_read, out.bytes_written);
  EXPECT_GT(out.mutex_spin.spin_acquisitions, 0u);
  EXPECT_GT(out.mutex_spin.sleeps, 0u);
  EXPECT_LE(out.mutex_spin.spin_acquisitions, out.mutex_spin.spins);
  EXPECT_LE(out.mutex_spin.spin_acquisitions, out.pipe.lock.contended);
  // Every contended acquisition that did not spin to the lock slept at least once.
  EXPECT_GE(out.mutex_spin.sleeps, out.pipe.lock.contended - out.mutex_spin.spin_acquisitions);
}

}  // namespace
}  // namespace pipe_bench::sim
