// The page models: which copies, allocations and frees pay their two-CPU cost. One writer and one
// reader on 2 CPUs sit on different CPUs, so under the kernel page model every read copies a page
// the other CPU wrote, every allocation finds its CPU's own list empty (the reader's CPU frees)
// and every free is of a page the other CPU allocated; on 1 CPU none is. Closed forms with only
// one cost set.
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

SimConfig one_to_one(unsigned cpus, PageModel pages, const SimCosts& costs) {
  SimConfig c = sim_test::config({.policy = pipepool::PolicyKind::legacy,
                                  .lock = LockModel::fifo,
                                  .cpus = cpus,
                                  .actors = 1,
                                  .duration_s = 0.005},
                                 costs);
  c.page_model = pages;
  return c;
}

double hold_per_write_ns(const SimOutcome& out) {
  return static_cast<double>(out.pipe.lock.hold_ns) / static_cast<double>(out.writes);
}

TEST(SimPageModel, AReaderOnAnotherCpuPaysTheTwoCpuCopy) {
  SimCosts costs;
  costs.copy_read_ns = 100;
  costs.copy_read_cross_ns = 300;
  costs.source = "test: copy out only";
  // 16 pages of a 64 KiB write are read under the mutex, nothing else costs anything.
  const auto run = [&](unsigned cpus, PageModel pages) {
    const SimOutcome out = simulate(one_to_one(cpus, pages, costs));
    EXPECT_TRUE(out.ok) << out.error;
    EXPECT_GT(out.writes, 0u);
    return hold_per_write_ns(out);
  };
  EXPECT_NEAR(run(2, PageModel::kernel), 16 * 300, 1.0);
  EXPECT_NEAR(run(2, PageModel::model), 16 * 300, 1.0);
  EXPECT_NEAR(run(2, PageModel::one_cpu), 16 * 100, 1.0);
  EXPECT_NEAR(run(1, PageModel::kernel), 16 * 100, 1.0);
}

TEST(SimPageModel, KernelPagesCrossCpusOnlyUnderTheKernelModel) {
  const SimCosts costs = default_costs();
  const SimOutcome two = simulate(one_to_one(2, PageModel::kernel, costs));
  ASSERT_TRUE(two.ok) << two.error;
  const std::uint64_t allocs = two.pipe.pool.allocs_in_lock + two.pipe.pool.allocs_outside_lock;
  const std::uint64_t frees = two.pipe.pool.frees_in_lock + two.pipe.pool.frees_outside_lock;
  ASSERT_GT(allocs, 0u);
  ASSERT_GT(frees, 0u);
  EXPECT_EQ(two.cross_allocations, allocs);
  EXPECT_EQ(two.cross_frees, frees);

  for (const auto& [cpus, pages] :
       {std::pair{1u, PageModel::kernel}, std::pair{2u, PageModel::model},
        std::pair{2u, PageModel::one_cpu}}) {
    SCOPED_TRACE(std::string(describe(pages)) + ", " + std::to_string(cpus) + " CPUs");
    const SimOutcome out = simulate(one_to_one(cpus, pages, costs));
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_GT(out.writes, 0u);
    EXPECT_EQ(out.cross_allocations, 0u);
    EXPECT_EQ(out.cross_frees, 0u);
  }
}

TEST(SimPageModel, AllocationsAndFreesAcrossCpusPayTheTwoCpuCosts) {
  SimCosts costs;
  costs.alloc_ns = 100;
  costs.alloc_cross_ns = 400;
  costs.free_ns = 50;
  costs.free_cross_ns = 250;
  costs.source = "test: pages only";
  const SimOutcome out = simulate(one_to_one(2, PageModel::kernel, costs));
  ASSERT_TRUE(out.ok) << out.error;
  const auto& pool = out.pipe.pool;
  // legacy allocates and frees under the mutex only.
  EXPECT_EQ(pool.allocs_outside_lock, 0u);
  EXPECT_EQ(pool.frees_outside_lock, 0u);
  EXPECT_NEAR(out.charged.hold_alloc_ns, 400.0 * static_cast<double>(pool.allocs_in_lock), 1.0);
  EXPECT_NEAR(out.charged.hold_free_ns, 250.0 * static_cast<double>(pool.frees_in_lock), 1.0);
}

}  // namespace
}  // namespace pipe_bench::sim
