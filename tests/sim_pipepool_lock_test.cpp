// The pipepool lock model (pipepool's own PipeMutex and WaitQueue: bounded spins, then futex).
// Closed form: with plentiful CPUs and only a hold h per write under the mutex, writes/s = 1/h.
// Behaviour: with short holds (5 us) on 2 CPUs a waiter spins to the lock and never sleeps on the
// mutex; holds with no progress for longer than the spin window send waiters to sleep, and each
// sleeper costs a FUTEX_WAKE. Determinism: the same seed gives the same numbers, wake-up draws
// included.
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/sim/simulation.hpp"
#include "pipe_bench/sim/sync.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimPipepoolLock, TheSpinWindowsArePipepoolsConstants) {
  EXPECT_DOUBLE_EQ(pipepool_mutex_spin_s(), 10e-6);
  EXPECT_DOUBLE_EQ(pipepool_mutex_spin_max_s(), 500e-6);
  EXPECT_DOUBLE_EQ(pipepool_queue_spin_s(), 20e-6);
  EXPECT_NEAR(pipepool_recent_s(), 65536 / 2.4454e9, 1e-12);
}

TEST(SimPipepoolLock, ThroughputIsOneOverTheHoldPerWrite) {
  const SimCosts costs = sim_test::only_cost(&SimCosts::copy_write_ns, 250, "test: copy in only");
  const double hold_s = 16 * 250e-9;
  const SimOutcome out = simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                                    .lock = LockModel::pipepool,
                                                    .cpus = 16,
                                                    .actors = 4,
                                                    .duration_s = 0.02},
                                                   costs));
  ASSERT_TRUE(out.ok) << out.error;
  const double writes_per_s = sim_test::writes_per_s(out);
  EXPECT_LE(writes_per_s, 1.0 / hold_s * 1.0001);
  EXPECT_NEAR(writes_per_s * hold_s, 1.0, 0.005);
}

TEST(SimPipepoolLock, ShortHoldsOnTwoCpusSpinToTheLock) {
  // Holds of about 5 us per call, well within the 10 us spin.
  SimCosts costs;
  costs.syscall_ns = 200;
  costs.copy_write_ns = costs.copy_read_ns = 100;
  costs.alloc_ns = costs.free_ns = 200;
  costs.wakeup_ns = 30000;
  costs.handoff_ns = 50;
  costs.source = "test: short holds";
  const SimOutcome out = simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                                    .lock = LockModel::pipepool,
                                                    .cpus = 2,
                                                    .actors = 1,
                                                    .duration_s = 0.01},
                                                   costs));
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_GT(out.pipe.lock.contended, 0u);
  EXPECT_EQ(out.mutex_spin.sleeps, 0u);
  EXPECT_EQ(out.mutex_spin.spin_acquisitions, out.pipe.lock.contended);
  EXPECT_EQ(out.mutex_spin.futex_wakes, 0u);
}

TEST(SimPipepoolLock, HoldsLongerThanTheSpinWindowSleepAndPayFutexWakes) {
  // Allocations of 30 us under legacy's mutex, each longer than the 10 us spin window: the owner
  // reports progress once per page copied, so a waiter sees none for a whole window and sleeps.
  // 4 writers on 8 CPUs.
  SimCosts costs = sim_test::only_cost(&SimCosts::alloc_ns, 30000, "test: long allocations");
  costs.syscall_ns = 200;
  const SimOutcome out = simulate(sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                                    .lock = LockModel::pipepool,
                                                    .cpus = 8,
                                                    .actors = 4,
                                                    .duration_s = 0.01},
                                                   costs));
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_GT(out.mutex_spin.sleeps, 0u);
  EXPECT_GT(out.mutex_spin.futex_wakes, 0u);
  EXPECT_LE(out.mutex_spin.futex_wakes, out.mutex_spin.sleeps);
  EXPECT_LT(out.mutex_spin.spin_acquisitions, out.pipe.lock.contended);
}

TEST(SimPipepoolLock, SameSeedGivesIdenticalNumbers) {
  for (const auto policy : {pipepool::PolicyKind::legacy, pipepool::PolicyKind::unified}) {
    SCOPED_TRACE(std::string(pipepool::to_string(policy)));
    SimConfig c = sim_test::config({.policy = policy,
                                    .lock = LockModel::pipepool,
                                    .cpus = 2,
                                    .actors = 5,
                                    .duration_s = 0.005},
                                   default_costs());
    c.page_model = PageModel::model;
    c.seed = 11;
    const SimOutcome a = simulate(c);
    const SimOutcome b = simulate(c);
    ASSERT_TRUE(a.ok) << a.error;
    ASSERT_TRUE(b.ok) << b.error;
    EXPECT_GT(a.writes, 0u);
    EXPECT_EQ(a.writes, b.writes);
    EXPECT_EQ(a.elapsed_s, b.elapsed_s);
    EXPECT_EQ(a.pipe.lock.hold_ns, b.pipe.lock.hold_ns);
    EXPECT_EQ(a.pipe.lock.wait_ns, b.pipe.lock.wait_ns);
    EXPECT_EQ(a.mutex_spin.sleeps, b.mutex_spin.sleeps);
    EXPECT_EQ(a.queue_spin.spins, b.queue_spin.spins);
    EXPECT_EQ(a.queue_spin.futex_wakes, b.queue_spin.futex_wakes);
    EXPECT_EQ(a.pipe.pool.pool_hits, b.pipe.pool.pool_hits);
    EXPECT_EQ(a.bytes_read, a.bytes_written);
    EXPECT_EQ(a.pipe.pool.lock_violations, 0u);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
