// A run in which mutex owners are preempted while other tasks wait for their CPUs ends with every
// byte read: 5 writers and 5 readers on 4 CPUs under memory pressure (reclaim stalls of 1.2 ms
// under the mutex outlast slices), the kernel lock model. The preemption stops the spinners on
// the owner, and while it does, another CPU may pull a queued task; the run queues must stay
// consistent through it (seed 12 once left the owner in no queue and the run deadlocked).
#include <gtest/gtest.h>

#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimPreemptedOwnerRun, EveryByteIsReadWhenOwnersArePreempted) {
  SimCosts costs = default_costs();
  ASSERT_EQ(apply_memory_pressure(costs), "");
  SimConfig c = sim_test::config({.policy = pipepool::PolicyKind::unified,
                                  .lock = LockModel::kernel,
                                  .cpus = 4,
                                  .actors = 5,
                                  .duration_s = 0.01},
                                 costs);
  c.page_model = PageModel::kernel;
  c.pool_sizes = {.legacy_cache = pipepool::kLegacyCache, .keep = 2, .max = 4};
  c.seed = 12;
  const SimOutcome out = simulate(c);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_GT(out.writes, 0u);
  EXPECT_EQ(out.bytes_read, out.bytes_written);
  EXPECT_GT(out.reclaim_stalls, 0u);
  EXPECT_GT(out.mutex_spin.holder_preemptions, 0u);
}

}  // namespace
}  // namespace pipe_bench::sim
