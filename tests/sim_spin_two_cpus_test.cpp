// The kernel lock model at 1 writer and 1 reader on 2 CPUs: the mutex's owner always runs and the
// waiter always has a CPU of its own, so every contended acquisition spins and none sleeps
// (mutex_optimistic_spin succeeds whenever the owner is on a CPU and need_resched() is false).
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimSpinTwoCpus, OneWriterOneReaderSpinAndNeverSleepOnTheMutex) {
  for (const auto policy : {pipepool::PolicyKind::legacy, pipepool::PolicyKind::unified}) {
    SCOPED_TRACE(std::string(pipepool::to_string(policy)));
    const SimOutcome out = simulate(sim_test::config(
        {.policy = policy, .lock = LockModel::kernel, .cpus = 2, .actors = 1, .duration_s = 0.01},
        default_costs()));
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_GT(out.writes, 0u);
    EXPECT_GT(out.pipe.lock.contended, 0u);
    EXPECT_EQ(out.mutex_spin.sleeps, 0u);
    EXPECT_EQ(out.mutex_spin.spin_acquisitions, out.pipe.lock.contended);
    EXPECT_EQ(out.mutex_spin.spins, out.pipe.lock.contended);
    EXPECT_GT(out.mutex_spin.spin_s, 0.0);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
