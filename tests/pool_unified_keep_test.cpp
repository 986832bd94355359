// PoolSizes::keep (PIPE_PREALLOC_KEEP): unified trims its pool to `keep` pages as every read and
// write ends, and the next write uses what was kept before it allocates.
#include <gtest/gtest.h>

#include <vector>

#include "pipepool/page_pool.hpp"
#include "pool_test_support.hpp"

namespace pipepool {
namespace {

using pool_test::model_allocator;
using pool_test::read_hooks;
using pool_test::write_hooks;

// A 64 KiB write into an empty pipe, then a read emptying it.
std::unique_ptr<PagePool> after_one_round(unsigned keep) {
  auto pool = make_pool(PolicyKind::unified, model_allocator(), {kLegacyCache, keep, kPreallocMax});
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  read_hooks(*pool, ring);
  return pool;
}

TEST(PoolUnifiedKeep, KeepFourLeavesFourPagesAfterTrim) {
  auto pool = after_one_round(4);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.pool_size, 4u);
  EXPECT_EQ(s.pool_peak, 8u);
  EXPECT_EQ(s.frees_in_lock, 8u);       // the pool was full for the last 8 pages read
  EXPECT_EQ(s.frees_outside_lock, 4u);  // 8 - keep
}

TEST(PoolUnifiedKeep, DefaultKeepLeavesTwo) {
  auto pool = after_one_round(kPreallocKeep);
  EXPECT_EQ(pool->stats().pool_size, 2u);
  EXPECT_EQ(pool->stats().frees_outside_lock, 6u);
}

TEST(PoolUnifiedKeep, AWriteOfKeptPagesAllocatesNothing) {
  auto pool = after_one_round(4);
  const PoolStats before = pool->stats();
  std::vector<void*> ring;
  write_hooks(*pool, 4 * kPageSize, 4, ring);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_outside_lock, before.allocs_outside_lock);
  EXPECT_EQ(s.allocs_in_lock, before.allocs_in_lock);
  EXPECT_EQ(s.pool_hits, before.pool_hits + 4);
  read_hooks(*pool, ring);
}

TEST(PoolUnifiedKeep, WithKeepTwoTheSameWriteAllocatesTwo) {
  auto pool = after_one_round(kPreallocKeep);
  const PoolStats before = pool->stats();
  std::vector<void*> ring;
  write_hooks(*pool, 4 * kPageSize, 4, ring);
  EXPECT_EQ(pool->stats().allocs_outside_lock, before.allocs_outside_lock + 2);
  read_hooks(*pool, ring);
}

TEST(PoolUnifiedKeep, KeepEqualToMaxNeverTrims) {
  auto pool = after_one_round(kPreallocMax);
  EXPECT_EQ(pool->stats().pool_size, 8u);
  EXPECT_EQ(pool->stats().frees_outside_lock, 0u);
}

}  // namespace
}  // namespace pipepool
