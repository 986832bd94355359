// The simulation is a function of its configuration: the same seed gives the same numbers.
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

SimConfig contended(pipepool::PolicyKind policy, std::uint64_t seed,
                    LockModel lock = LockModel::fifo) {
  SimConfig c = sim_test::config(
      {.policy = policy, .lock = lock, .cpus = 2, .actors = 5, .duration_s = 0.005},
      default_costs());
  c.seed = seed;
  return c;
}

void expect_same(const SimOutcome& a, const SimOutcome& b) {
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_TRUE(b.ok) << b.error;
  EXPECT_GT(a.writes, 0u);
  EXPECT_EQ(a.writes, b.writes);
  EXPECT_EQ(a.bytes_written, b.bytes_written);
  EXPECT_EQ(a.bytes_read, b.bytes_read);
  EXPECT_EQ(a.elapsed_s, b.elapsed_s);
  EXPECT_EQ(a.pipe.pool.allocs_in_lock, b.pipe.pool.allocs_in_lock);
  EXPECT_EQ(a.pipe.pool.allocs_outside_lock, b.pipe.pool.allocs_outside_lock);
  EXPECT_EQ(a.pipe.pool.frees_in_lock, b.pipe.pool.frees_in_lock);
  EXPECT_EQ(a.pipe.pool.frees_outside_lock, b.pipe.pool.frees_outside_lock);
  EXPECT_EQ(a.pipe.pool.pool_hits, b.pipe.pool.pool_hits);
  EXPECT_EQ(a.pipe.lock.acquisitions, b.pipe.lock.acquisitions);
  EXPECT_EQ(a.pipe.lock.contended, b.pipe.lock.contended);
  EXPECT_EQ(a.pipe.lock.hold_ns, b.pipe.lock.hold_ns);
  EXPECT_EQ(a.pipe.lock.wait_ns, b.pipe.lock.wait_ns);
  EXPECT_EQ(a.mutex_spin.spins, b.mutex_spin.spins);
  EXPECT_EQ(a.mutex_spin.spin_acquisitions, b.mutex_spin.spin_acquisitions);
  EXPECT_EQ(a.mutex_spin.sleeps, b.mutex_spin.sleeps);
  EXPECT_EQ(a.mutex_spin.spin_s, b.mutex_spin.spin_s);
  EXPECT_EQ(a.latency.count(), b.latency.count());
  EXPECT_EQ(a.latency.max(), b.latency.max());
  EXPECT_EQ(a.latency.percentile(50), b.latency.percentile(50));
}

TEST(SimDeterminism, SameSeedGivesIdenticalNumbersForEveryPolicy) {
  for (const auto policy : {pipepool::PolicyKind::legacy, pipepool::PolicyKind::prealloc,
                            pipepool::PolicyKind::unified, pipepool::PolicyKind::shrinker}) {
    SCOPED_TRACE(std::string(pipepool::to_string(policy)));
    expect_same(simulate(contended(policy, 7)), simulate(contended(policy, 7)));
  }
}

TEST(SimDeterminism, SameSeedGivesIdenticalNumbersWithTheKernelLockModel) {
  for (const auto policy : {pipepool::PolicyKind::legacy, pipepool::PolicyKind::unified}) {
    SCOPED_TRACE(std::string(pipepool::to_string(policy)));
    expect_same(simulate(contended(policy, 7, LockModel::kernel)),
                simulate(contended(policy, 7, LockModel::kernel)));
  }
}

TEST(SimDeterminism, EveryByteWrittenIsReadAndNoPoolCallCrossesTheLock) {
  for (const auto lock : {LockModel::fifo, LockModel::kernel}) {
    SCOPED_TRACE(std::string(describe(lock)));
    const SimOutcome out = simulate(contended(pipepool::PolicyKind::unified, 3, lock));
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_EQ(out.bytes_read, out.bytes_written);
    EXPECT_EQ(out.bytes_written, out.writes * 64 * 1024);
    EXPECT_EQ(out.pipe.pool.lock_violations, 0u);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
